/**
 * One error type for everything the FTP layer can fail with, so the queue consumer decides
 * retry-or-give-up from `transient` alone: 4xx replies, lost/refused connections and timeouts
 * may succeed later; 5xx replies (530 login incorrect, 553 name not allowed…) will not.
 */
export type FtpErrorCode =
  | number // the server's reply code
  | "timeout"
  | "connection" // refused, reset, closed under us
  | "protocol" // the server said something we cannot parse
  | "config"; // the URL or an argument is unusable

export class FtpError extends Error {
  override name = "FtpError";
  readonly code: FtpErrorCode;
  readonly transient: boolean;

  constructor(code: FtpErrorCode, transient: boolean, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.transient = transient;
  }

  static fromReply(what: string, code: number, text: string): FtpError {
    const transient = code >= 400 && code < 500;
    // Anything that is neither 4xx nor 5xx here is a reply we did not expect at this step:
    // retrying the same conversation would meet the same answer.
    return new FtpError(code, transient, `${what}: ${code} ${oneLine(text)}`);
  }
}

export function isFtpError(e: unknown): e is FtpError {
  return e instanceof FtpError;
}

function oneLine(text: string): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > 200 ? t.slice(0, 200) + "…" : t;
}
