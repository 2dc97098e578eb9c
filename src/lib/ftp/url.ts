/**
 * An FTP setting: `ftp://user:password@host:port/directory`, or `ftps://…` for explicit TLS
 * (the server listens in plain text and the client asks for `AUTH TLS`). The password lives in
 * a private field so logging, JSON or an error message built from this object cannot leak it.
 */
export class FtpUrlError extends Error {
  override name = "FtpUrlError";
}

export class FtpUrl {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The remote directory, percent-decoded, relative to the login directory; "" = login directory. */
  readonly dir: string;
  readonly #password: string;

  private constructor(f: { secure: boolean; host: string; port: number; user: string; password: string; dir: string }) {
    this.secure = f.secure;
    this.host = f.host;
    this.port = f.port;
    this.user = f.user;
    this.dir = f.dir;
    this.#password = f.password;
  }

  get password(): string {
    return this.#password;
  }

  /** `setting` is how error messages name the value (the setting's name), since they never quote it. */
  static parse(input: string, setting = "the FTP URL"): FtpUrl {
    let u: URL;
    try {
      u = new URL(input.trim());
    } catch {
      // Never echo the input: it carries the password.
      throw new FtpUrlError(`${setting} is not a valid URL`);
    }
    const scheme = u.protocol.replace(/:$/, "");
    if (scheme !== "ftp" && scheme !== "ftps") {
      throw new FtpUrlError(`${setting} must start with ftp:// or ftps:// (got ${scheme}://)`);
    }
    // WHATWG URL keeps the brackets of an IPv6 literal; connect() wants the bare address.
    const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
    if (!host) throw new FtpUrlError(`${setting} has no host`);
    const port = u.port ? Number(u.port) : 21;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new FtpUrlError(`${setting} has an invalid port`);
    let user: string, password: string, dir: string;
    try {
      user = decodeURIComponent(u.username);
      password = decodeURIComponent(u.password);
      dir = u.pathname.split("/").filter(Boolean).map(decodeURIComponent).join("/");
    } catch {
      throw new FtpUrlError(`${setting} has a malformed percent-encoding`);
    }
    if (!user) throw new FtpUrlError(`${setting} has no user name`);
    // CR/LF would let a crafted setting inject FTP commands on the control connection.
    if (/[\r\n\0]/.test(user + password + dir)) throw new FtpUrlError(`${setting} contains control characters`);
    if (u.search || u.hash) throw new FtpUrlError(`${setting} must not have a query or fragment`);
    return new FtpUrl({ secure: scheme === "ftps", host, port, user, password, dir });
  }

  /** Redacted form, safe for logs and error messages. */
  toString(): string {
    const h = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `${this.secure ? "ftps" : "ftp"}://${encodeURIComponent(this.user)}:***@${h}:${this.port}/${this.dir}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

export function parseFtpUrl(input: string, setting?: string): FtpUrl {
  return FtpUrl.parse(input, setting);
}
