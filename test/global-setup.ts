import type { TestProject } from "vitest/node";
import { startSandbox } from "../sandbox/index.mjs";
import { startFixtureServer } from "./support/fixture-server.mjs";
import { startFtpServers } from "./support/ftp-servers.mjs";
import { startDownloadHost } from "./support/download-host.mjs";

// Runs in Node before any test file: the partner simulators and a static server for fixtures.
export default async function setup(project: TestProject) {
  const sandbox = await startSandbox({ quiet: true });
  const fixtures = await startFixtureServer();
  const ftp = await startFtpServers();
  const downloadHost = await startDownloadHost();
  project.provide("sandbox", { urls: sandbox.urls, env: sandbox.env });
  project.provide("fixtures", fixtures.url);
  project.provide("ftpServers", ftp.info);
  project.provide("downloadHost", downloadHost.url);
  return async () => {
    await downloadHost.stop();
    await ftp.stop();
    await fixtures.stop();
    await sandbox.stop();
  };
}
