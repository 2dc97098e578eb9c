export const FIXTURE_DIRS: string[];
export function ensureGeneratedFixtures(): Promise<string>;
export function startFixtureServer(options?: { port?: number }): Promise<{ url: string; stop(): Promise<void> }>;
