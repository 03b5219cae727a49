import { paletteFor, type ClassDef } from '../classes';
import { DataError } from '../errors';

/**
 * Maps an RGB or RGBA colour mask to class indices through the class colours. Alpha is ignored.
 * When two classes share a colour the lower id wins. The ignore index's palette colour (VOC's
 * off-white unless a class claims it) maps to the ignore index, so an indexed mask rendered to
 * RGB reads back unchanged.
 */
export function colorsToClasses(
  pixels: Uint8Array,
  channels: 3 | 4,
  width: number,
  classes: readonly ClassDef[],
  ignoreIndex: number,
  path: string,
): Uint8Array {
  const ids = new Map<number, number>();
  for (const c of [...classes].sort((a, b) => a.id - b.id)) {
    const key = (c.color[0] << 16) | (c.color[1] << 8) | c.color[2];
    if (c.id >= 0 && c.id < 256 && !ids.has(key)) ids.set(key, c.id);
  }
  if (ignoreIndex >= 0 && ignoreIndex < 256) {
    const [r, g, b] = paletteFor(classes, ignoreIndex)[ignoreIndex];
    const key = (r << 16) | (g << 8) | b;
    if (!ids.has(key)) ids.set(key, ignoreIndex);
  }
  const n = pixels.length / channels;
  const out = new Uint8Array(n);
  // Masks are mostly runs of one colour: remember the last lookup.
  let lastKey = -1;
  let lastId = 0;
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    const key = (pixels[j] << 16) | (pixels[j + 1] << 8) | pixels[j + 2];
    if (key !== lastKey) {
      const id = ids.get(key);
      if (id === undefined) {
        const colour = `(${pixels[j]}, ${pixels[j + 1]}, ${pixels[j + 2]})`;
        throw new DataError(path, `colour ${colour} at pixel (${i % width}, ${Math.floor(i / width)}) is not a class colour`);
      }
      lastKey = key;
      lastId = id;
    }
    out[i] = lastId;
  }
  return out;
}
