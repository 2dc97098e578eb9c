import { describe, expect, it } from "vitest";
import { fileExtensionFor } from "./upload";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("fileExtensionFor", () => {
  it("recognises the four formats by magic bytes", () => {
    expect(fileExtensionFor(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe("jpg");
    expect(fileExtensionFor(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe("png");
    expect(fileExtensionFor(new Uint8Array([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]))).toBe("tif");
    expect(fileExtensionFor(new Uint8Array([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).toBe("tif");
    expect(fileExtensionFor(bytes("%PDF-1.7\n%âãÏÓ\n"))).toBe("pdf");
    expect(fileExtensionFor(bytes("\r\n%PDF-1.4\n"))).toBe("pdf");
  });

  it("refuses anything else", () => {
    expect(fileExtensionFor(bytes("GIF89a"))).toBeNull();
    expect(fileExtensionFor(new Uint8Array([0xff, 0xd8]))).toBeNull();
    expect(fileExtensionFor(new Uint8Array())).toBeNull();
  });
});
