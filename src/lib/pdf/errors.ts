/**
 * The PDF a network sent cannot be split: not a PDF, cut short, encrypted or damaged beyond
 * repair. The message is meant for an operator, so it says what is wrong in plain words.
 */
export class PodPdfError extends Error {
  override name = "PodPdfError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
