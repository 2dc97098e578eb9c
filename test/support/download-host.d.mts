export function startDownloadHost(opts?: { port?: number }): Promise<{ url: string; stop(): Promise<void> }>;
