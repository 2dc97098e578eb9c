import type { Sandbox } from "./types";

export interface SandboxPorts {
  qargo?: number;
  palletways?: number;
  ftp?: number;
  upn?: number;
  hazchem?: number;
  alerts?: number;
  /** passive data ports for the FTP server (default 40000–49999) */
  pasvMin?: number;
  pasvMax?: number;
}

/** Starts every simulator; port 0 (random) unless given. */
export function startSandbox(options?: { quiet?: boolean; host?: string; ports?: SandboxPorts }): Promise<Sandbox>;
