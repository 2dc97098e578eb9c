/** Where the simulators listen; every URL is a base without a trailing slash. */
export interface SandboxUrls {
  qargo: string;
  palletwaysApi: string;
  palletwaysPortal: string;
  /** Palletways' control endpoints (/__sim/...) live on this server. */
  palletwaysControl: string;
  upn: string;
  hazchem: string;
  palletforce: string;
  /** ftp://user:pass@127.0.0.1:port/dir of the ftp-srv simulator */
  ftp: string;
  /** The alert receiver (control endpoints at its root; ALERT_WEBHOOK_URL is a hook path on it). */
  alerts: string;
}

export interface SandboxInfo {
  urls: SandboxUrls;
  /** The Worker's configuration (names from the contracts) pointing at these simulators. */
  env: Record<string, string>;
}

export interface Sandbox extends SandboxInfo {
  stop(): Promise<void>;
}
