// The Cloudflare Images binding does decode, resize and encode outside the isolate, so a 12-MP
// photo costs the Worker only its input and output bytes. Each attempt streams the original
// again: the binding keeps no state between calls.

import type { EncodeAt } from "./search";

/** The slice of the Images binding this module uses (structurally ImagesBinding). */
export interface ImagesLike {
  input(stream: ReadableStream<Uint8Array>): {
    transform(t: { width?: number }): {
      output(o: { format: "image/jpeg"; quality?: number; background?: string }): Promise<{ response(): Response }>;
    };
  };
}

export function bindingEncoder(images: ImagesLike, bytes: Uint8Array, sourceWidth: number): EncodeAt {
  return async (width, _height, quality) => {
    // Only the width: the binding keeps the aspect ratio, and giving both risks a 1-px pad when
    // our rounding and its rounding disagree.
    const t = width < sourceWidth ? { width } : {};
    const result = await images
      .input(new Blob([bytes]).stream())
      .transform(t)
      // White behind any transparency: JPEG has no alpha.
      .output({ format: "image/jpeg", quality, background: "#FFFFFF" });
    return new Uint8Array(await result.response().arrayBuffer());
  };
}
