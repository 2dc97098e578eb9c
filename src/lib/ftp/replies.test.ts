import { describe, expect, it } from "vitest";
import { ReplyReader, isUnroutableIPv4, parseEpsv, parsePasv } from "./replies";

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
