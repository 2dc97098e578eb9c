// Temporary bootstrap: replaced by the partner simulators (sandbox helper is writing them).
export async function startSandbox() {
  const urls = { qargo: "", palletwaysApi: "", palletwaysPortal: "", palletwaysControl: "", upn: "", hazchem: "", ftp: "" };
  return { urls, env: {}, stop: async () => {} };
}
