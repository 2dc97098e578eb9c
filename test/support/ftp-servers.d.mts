import type { ProvidedContext } from "vitest";

export const PRIVATE_PASV_ADDRESS: string;
export function findVsftpd(): string | null;
export function startFtpServers(options?: { vsftpd?: boolean; only?: string[] | null }): Promise<{ info: ProvidedContext["ftpServers"]; stop(): Promise<void> }>;
