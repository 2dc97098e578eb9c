import { describe, expect, it } from "vitest";
import { contentLabel, describeContent, EXTENSIONS, sniffContentType } from "./bytes";

const ascii = (s: string) => new TextEncoder().encode(s);

describe("sniffContentType", () => {
  it("knows the four formats the connector passes on by their bytes", () => {
    expect(sniffContentType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe("image/jpeg");
    expect(sniffContentType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe("image/png");
    expect(sniffContentType(new Uint8Array([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]))).toBe("image/tiff");
    expect(sniffContentType(new Uint8Array([0x4d, 0x4d, 0x00, 0x2b, 0, 8, 0, 0]))).toBe("image/tiff");
    expect(sniffContentType(ascii("%PDF-1.7\n"))).toBe("application/pdf");
  });

  it("finds a PDF header behind a scanner's junk prefix, but not past 1 KB", () => {
    expect(sniffContentType(ascii("\r\n%PDF-1.4\n"))).toBe("application/pdf");
    expect(sniffContentType(ascii(`${" ".repeat(1100)}%PDF-1.4\n`))).toBeNull();
  });

  it("takes no guess at a truncated signature or another format", () => {
    expect(sniffContentType(new Uint8Array([0xff, 0xd8]))).toBeNull();
    expect(sniffContentType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))).toBeNull();
    expect(sniffContentType(ascii("GIF89a"))).toBeNull();
    expect(sniffContentType(new Uint8Array([0x50, 0x4b, 0x03, 0x04]))).toBeNull();
    expect(sniffContentType(new Uint8Array())).toBeNull();
  });

  it("names what it will not pass on, for the operator", () => {
    expect(describeContent(ascii("GIF89a"))).toBe("a GIF image");
    expect(describeContent(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1]))).toBe("a ZIP archive (e.g. a Word or Excel file)");
    expect(describeContent(new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63]))).toBe("a HEIC/HEIF or MP4 file");
    expect(describeContent(new Uint8Array())).toBe("empty");
    expect(describeContent(ascii("hello"))).toBe("in a format that is not recognised");
    expect(contentLabel(new Uint8Array([0xff, 0xd8, 0xff]))).toBe("a JPEG image");
  });

  it("has an extension for every type it returns", () => {
    expect(EXTENSIONS).toEqual({ "image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif", "application/pdf": "pdf" });
  });
});
