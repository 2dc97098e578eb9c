// The PDF object model, kept minimal: values reference the input bytes wherever possible so a
// 56 MB PDF is never copied while it is read.

export class PdfName {
  constructor(readonly value: string) {}
}

/** A string kept as its raw token (delimiters and escapes included) so it is written back as stored. */
export class PdfString {
  constructor(readonly raw: Uint8Array) {}
}

export class PdfRef {
  constructor(readonly num: number, readonly gen: number) {}
}

export class PdfDict {
  constructor(readonly entries: Map<string, PdfObj> = new Map()) {}
  get(key: string): PdfObj | undefined {
    return this.entries.get(key);
  }
}

/** `data` is the stream exactly as stored (still encoded), a view into the source bytes. */
export class PdfStream {
  constructor(readonly dict: PdfDict, readonly data: Uint8Array) {}
}

export type PdfObj = null | boolean | number | PdfName | PdfString | PdfRef | PdfObj[] | PdfDict | PdfStream;

export function isName(v: PdfObj | undefined, name?: string): v is PdfName {
  return v instanceof PdfName && (name === undefined || v.value === name);
}

export function asInt(v: PdfObj | undefined): number | undefined {
  return typeof v === "number" && Number.isInteger(v) ? v : undefined;
}
