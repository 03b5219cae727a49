/**
 * The confidence overlay of the mask editor: pixels whose prediction confidence is below the
 * threshold are hatched (diagonal stripes), the rest transparent. Returns RGBA for an overlay
 * canvas (`new ImageData(rgba, width, height)`); typed arrays only, so it is testable in Node.
 */
export const HATCH_PERIOD = 6;

export function confidenceOverlay(
  confidence: Uint8Array,
  width: number,
  height: number,
  threshold: number,
  out = new Uint8ClampedArray(width * height * 4),
): Uint8ClampedArray {
  out.fill(0);
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      if (confidence[i] >= threshold) continue;
      // Dark and light stripes, so the hatching shows on any image and mask colour.
      const dark = (x + y) % HATCH_PERIOD < HATCH_PERIOD / 2;
      const o = i * 4;
      out[o] = out[o + 1] = out[o + 2] = dark ? 0 : 255;
      out[o + 3] = dark ? 110 : 70;
    }
  }
  return out;
}
