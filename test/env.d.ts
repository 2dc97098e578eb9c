// Bindings the tests see: the Worker's own plus what the vitest setup adds.
// (A module, so that `declare module "vitest"` augments vitest instead of replacing it.)
export {};

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: import("@cloudflare/vitest-plugin").D1Migration[];
      /** Base URL of the static server over test/fixtures and generated fixtures. */
      FIXTURES_URL: string;
      /** test/support/download-host.mjs: an https host that records what reaches it. */
      DOWNLOAD_HOST_URL: string;
    }
  }
}
declare module "vitest" {
  export interface ProvidedContext {
    sandbox: import("../sandbox/types").SandboxInfo;
    fixtures: string;
    downloadHost: string;
    /** test/support/ftp-servers.mjs: real FTP servers (ftp-srv, vsftpd) and their HTTP control server. */
    ftpServers: {
      control: string;
      caCert: string | null;
      /** The ftps:// server's self-signed certificate is trusted by workerd (see test/support/vsftpd-tls-trust.mjs). */
      tlsTrusted: boolean;
      servers: Record<string, {
        id: string; kind: "ftp-srv" | "vsftpd"; url: string; host: string; port: number; user: string; dir: string;
        multilineGreeting: boolean; privatePasv: boolean; epsv: boolean; tls: boolean; badLoginUrl?: string;
      }>;
    };
  }
}
