import { describe, expect, it } from "vitest";
import { type FtpReply, ReplyProtocolError, ReplyReader, isUnroutableIPv4, parseEpsv, parsePasv, parseStatListing } from "./replies";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("ReplyReader", () => {
  it("reads a single-line reply", () => {
    const r = new ReplyReader();
    expect(r.push(bytes("220 ready\r\n"))).toEqual([{ code: 220, lines: ["220 ready"], text: "ready" }]);
    expect(r.partial).toBe(false);
  });

  it("waits for the closing line of a multi-line reply", () => {
    const r = new ReplyReader();
    expect(r.push(bytes("220-Welcome\r\n"))).toEqual([]);
    expect(r.push(bytes("  indented text\r\n220-still going\r\n"))).toEqual([]);
    // A line starting with another code inside the block does not close it.
    expect(r.push(bytes("331 not the end\r\n"))).toEqual([]);
    const out = r.push(bytes("220 done\r\n"));
    expect(out).toHaveLength(1);
    expect(out[0]!.code).toBe(220);
    expect(out[0]!.lines).toEqual(["220-Welcome", "  indented text", "220-still going", "331 not the end", "220 done"]);
    expect(out[0]!.text).toBe("Welcome\nindented text\nstill going\nnot the end\ndone");
  });

  it("reassembles replies split at every byte boundary", () => {
    const wire = bytes("220-Hello\r\n220 there\r\n331 Password please\r\n230 Logged in, café\r\n");
    for (let cut = 1; cut < wire.length; cut++) {
      for (let cut2 = cut; cut2 < wire.length; cut2 += 7) {
        const r = new ReplyReader();
        const got = [...r.push(wire.subarray(0, cut)), ...r.push(wire.subarray(cut, cut2)), ...r.push(wire.subarray(cut2))];
        expect(got.map((x) => x.code)).toEqual([220, 331, 230]);
        expect(got[2]!.text).toBe("Logged in, café");
      }
    }
  });

  it("splits a packed read into its replies, in order", () => {
    const r = new ReplyReader();
    const got = r.push(bytes("150 Opening\r\n226 Done\r\n227 Entering Passive Mode (127,0,0,1,4,1)\r\n213 12"));
    expect(got.map((x) => x.code)).toEqual([150, 226, 227]);
    expect(r.partial).toBe(true);
    expect(r.push(bytes("34\r\n"))[0]).toMatchObject({ code: 213, text: "1234" });
  });

  it("accepts bare LF line ends and a code-only line", () => {
    const r = new ReplyReader();
    expect(r.push(bytes("200 ok\n211-Features\n MDTM\n211\n")).map((x) => x.code)).toEqual([200, 211]);
  });

  it("rejects a line that is not a reply", () => {
    expect(() => new ReplyReader().push(bytes("HTTP/1.1 400 Bad Request\r\n"))).toThrow(/unexpected reply line/);
  });
});

describe("passive-mode answers", () => {
  it("parses EPSV and PASV", () => {
    expect(parseEpsv("Entering Extended Passive Mode (|||6446|)")).toBe(6446);
    expect(parseEpsv("EPSV OK (!!!21000!)")).toBe(21000);
    expect(parseEpsv("nonsense")).toBeNull();
    expect(parsePasv("Entering Passive Mode (10,1,2,3,4,1)")).toEqual({ host: "10.1.2.3", port: 1025 });
    expect(parsePasv("Entering Passive Mode 192,0,2,7,200,10")).toEqual({ host: "192.0.2.7", port: 51210 });
    expect(parsePasv("(300,1,2,3,4,1)")).toBeNull();
  });

  it("knows which PASV addresses are not worth dialling", () => {
    for (const a of ["10.1.2.3", "192.168.0.9", "172.16.0.1", "172.31.255.255", "127.0.0.1", "0.0.0.0", "169.254.1.1", "100.64.0.1"]) {
      expect(isUnroutableIPv4(a), a).toBe(true);
    }
    for (const a of ["192.0.2.7", "172.32.0.1", "8.8.8.8", "ftp.example.com"]) expect(isUnroutableIPv4(a), a).toBe(false);
  });
});

describe("ReplyReader, multi-line edge cases", () => {
  it("stays partial while a block is open, even with no bytes pending", () => {
    const r = new ReplyReader();
    expect(r.push(bytes("211-Features:\r\n"))).toEqual([]);
    expect(r.partial).toBe(true);
    expect(r.push(bytes(" UTF8\r\n EPSV\r\n211 End\r\n"))).toEqual([
      { code: 211, lines: ["211-Features:", " UTF8", " EPSV", "211 End"], text: "Features:\nUTF8\nEPSV\nEnd" },
    ]);
    expect(r.partial).toBe(false);
  });

  it("is not closed by the same code followed by anything but a space", () => {
    const r = new ReplyReader();
    r.push(bytes("230-Welcome\r\n"));
    expect(r.push(bytes("2301 is not a close\r\n230x nor this\r\n"))).toEqual([]);
    const [reply] = r.push(bytes("230 Logged in\r\n"));
    expect(reply!.lines).toHaveLength(4);
    expect(reply!.text.split("\n")).toEqual(["Welcome", "2301 is not a close", "230x nor this", "Logged in"]);
  });

  it("keeps a UTF-8 character split between reads intact", () => {
    const wire = bytes("257 \"/in/Zürich\" created\r\n");
    const cut = wire.indexOf(0xc3) + 1; // between the two bytes of ü
    const r = new ReplyReader();
    expect(r.push(wire.subarray(0, cut))).toEqual([]);
    expect(r.push(wire.subarray(cut))[0]!.text).toBe("\"/in/Zürich\" created");
  });

  it("gives up on a line longer than any FTP server sends, rather than buffer without end", () => {
    const r = new ReplyReader();
    r.push(bytes("220 " + "x".repeat(60 * 1024)));
    expect(() => r.push(bytes("x".repeat(8 * 1024)))).toThrow(ReplyProtocolError);
  });

  it("refuses a line with a code outside 1xx–5xx or no code at all", () => {
    for (const line of ["600 nope\r\n", "099 nope\r\n", "22 short\r\n", "\r\n", "abc def\r\n"]) {
      expect(() => new ReplyReader().push(bytes(line)), JSON.stringify(line)).toThrow(ReplyProtocolError);
    }
  });
});

describe("passive-mode answers, edge cases", () => {
  it("refuses EPSV answers without a usable port", () => {
    for (const text of ["(|||0|)", "(|||65536|)", "(|||99999|)", "(||6446|)", "(|!|6446|)", "(|||6446!)", "Entering Extended Passive Mode"]) {
      expect(parseEpsv(text), text).toBeNull();
    }
    expect(parseEpsv("(|||65535|)")).toBe(65535);
  });

  it("refuses PASV answers with an octet over 255 or port 0", () => {
    expect(parsePasv("(10,0,0,1,256,1)")).toBeNull();
    expect(parsePasv("(10,0,0,1,1,256)")).toBeNull();
    expect(parsePasv("(10,0,0,1,0,0)")).toBeNull();
    expect(parsePasv("(10,0,0,1)")).toBeNull();
    expect(parsePasv("(10,0,0,1,255,255)")).toEqual({ host: "10.0.0.1", port: 65535 });
  });

  it("draws the private ranges exactly at their edges", () => {
    for (const a of ["10.255.255.255", "100.127.255.255", "169.254.0.0", "172.31.0.1", "192.168.255.255", "127.255.0.1"]) {
      expect(isUnroutableIPv4(a), a).toBe(true);
    }
    for (const a of ["9.255.255.255", "11.0.0.1", "100.63.255.255", "100.128.0.0", "169.253.1.1", "169.255.1.1", "172.15.255.255", "192.167.1.1", "192.169.0.1", "128.0.0.1"]) {
      expect(isUnroutableIPv4(a), a).toBe(false);
    }
  });

  it("does not take a malformed address for a private one", () => {
    for (const a of ["10.1.2", "10.1.2.3.4", "10.1.2.256", "10.-1.2.3", "10.1.2.x", "", "::1", "fe80::1"]) {
      expect(isUnroutableIPv4(a), a).toBe(false);
    }
  });
});

describe("STAT -a listings", () => {
  const reply = (wire: string): FtpReply => {
    const out = new ReplyReader().push(bytes(wire));
    expect(out).toHaveLength(1);
    return out[0]!;
  };

  it("reads vsftpd's listing, hidden entries included, without . and ..", () => {
    const r = reply(
      "213-Status follows:\r\n" +
        "drwxrwxrwx    2 0        0            4096 Dec 04 23:33 .\r\n" +
        "dr-xr-xr-x    3 0        0            4096 Dec 04 23:33 ..\r\n" +
        "-rw-r--r--    1 0        0               1 Dec 04 23:33 .A_1.jpg.part\r\n" +
        "-rw-r--r--    1 ftp      ftp          2048 Jan 17  2025 A 2.png\r\n" +
        "lrwxrwxrwx    1 0        0               5 Dec 04 23:33 A_3.tif -> other\r\n" +
        "213 End of status\r\n",
    );
    expect(parseStatListing(r)).toEqual([".A_1.jpg.part", "A 2.png", "A_3.tif"]);
  });

  it("reads ftp-srv's listing when it shows a dot file", () => {
    const r = reply("213-Status begin\r\n-rw-r--r-- 1 1 1            1 Dec 04 23:33 .A_1.jpg.part\r\n-rw-r--r-- 1 1 1            2 Dec 04 23:33 A_2.png\r\n213 Status end\r\n");
    expect(parseStatListing(r)).toEqual([".A_1.jpg.part", "A_2.png"]);
  });

  it("does not trust a listing that may hide dot files, a general status or a line it cannot read", () => {
    // No hidden entry: the server may have ignored -a, and a leftover .part would be missed.
    expect(parseStatListing(reply("213-Status begin\r\n-rw-r--r-- 1 1 1 2 Dec 04 23:33 A_2.png\r\n213 Status end\r\n"))).toBeNull();
    // vsftpd's answer for a directory that does not exist.
    expect(parseStatListing(reply("213-Status follows:\r\n213 End of status\r\n"))).toBeNull();
    expect(parseStatListing(reply("211-FTP server status:\r\n Connected to 10.0.0.1\r\n211 End of status\r\n"))).toBeNull();
    expect(parseStatListing(reply("213-Status follows:\r\ndrwxr-xr-x 2 0 0 4096 Dec 04 23:33 .\r\n12-04-26  11:33PM       2048 A_2.png\r\n213 End\r\n"))).toBeNull();
    expect(parseStatListing(reply("450 ENOENT: no such file or directory\r\n"))).toBeNull();
    expect(parseStatListing(reply("502 STAT not implemented\r\n"))).toBeNull();
  });
});
