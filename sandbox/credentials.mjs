// Obviously fake credentials shared by the simulators and the Worker configuration they hand out.
export const CREDENTIALS = {
  TMS_CLIENT_ID: "sim-client-id",
  TMS_CLIENT_SECRET: "sim-client-secret-not-real",
  TMS_WEBHOOK_CLIENT_ID: "sim-webhook-client",
  TMS_WEBHOOK_SECRET: "sim-webhook-secret-not-real",
  INBOUND_BASIC_USER: "sim-qargo",
  INBOUND_BASIC_PASSWORD: "sim-inbound-password-not-real",
  ADMIN_TOKEN: "sim-admin-token-not-real",
  PALLETWAYS_API_KEY: "sim-palletways-key-not-real",
  PALLETWAYS_FTP_USER: "simftp",
  PALLETWAYS_FTP_PASSWORD: "sim-ftp-password-not-real",
  PALLETWAYS_FTP_DIR: "incoming",
  PALLETWAYS_DEPOT: "045",
  UPN_API_KEY: "sim-upn-key-not-real",
  UPN_DEPOT: "045",
  HAZCHEM_API_KEY: "sim-hazchem-key-not-real",
  HAZCHEM_DEPOT: "HZ01",
};
