import { type PixelGrid, type Rect } from './grid';
import { decodeRle, encodeRle, rleLength } from './rle';

/**
 * One reversible mask edit: the changed rectangle's pixels before and after, run-length coded.
 * Never a whole-mask copy, so hundreds of strokes on a 16-megapixel mask cost little memory.
 */
export interface MaskDelta {
  rect: Rect;
  before: Uint8Array;
  after: Uint8Array;
}

/** Builds a delta from a rectangle's raw old and new pixels (row-major, rect-sized). */
export function makeDelta(rect: Rect, before: Uint8Array, after: Uint8Array): MaskDelta {
  return { rect: { ...rect }, before: encodeRle(before), after: encodeRle(after) };
}

export function rectPixels(grid: PixelGrid, r: Rect): Uint8Array {
  if (r.x0 === 0 && r.x1 === grid.width) return grid.data.slice(r.y0 * grid.width, r.y1 * grid.width);
  const w = r.x1 - r.x0;
  const out = new Uint8Array(w * (r.y1 - r.y0));
  for (let y = r.y0; y < r.y1; y++) {
    const start = y * grid.width + r.x0;
    out.set(grid.data.subarray(start, start + w), (y - r.y0) * w);
  }
  return out;
}

/** Writes the delta's new pixels (`redo`) or old pixels (`undo`) into the mask. */
export function applyDelta(grid: PixelGrid, delta: MaskDelta, direction: 'redo' | 'undo'): void {
  const { rect } = delta;
  const w = rect.x1 - rect.x0;
  const pixels = decodeRle(direction === 'redo' ? delta.after : delta.before, w * (rect.y1 - rect.y0));
  for (let y = rect.y0; y < rect.y1; y++) {
    const row = (y - rect.y0) * w;
    grid.data.set(pixels.subarray(row, row + w), y * grid.width + rect.x0);
  }
}

const HEADER_WORDS = 6;

/** The wire and backup form: six little-endian u32 (x0, y0, x1, y1, before length, after length), then the bytes. */
export function serializeDelta(delta: MaskDelta): ArrayBuffer {
  const { rect, before, after } = delta;
  const buffer = new ArrayBuffer(HEADER_WORDS * 4 + before.length + after.length);
  const view = new DataView(buffer);
  [rect.x0, rect.y0, rect.x1, rect.y1, before.length, after.length].forEach((v, i) => view.setUint32(i * 4, v, true));
  const bytes = new Uint8Array(buffer);
  bytes.set(before, HEADER_WORDS * 4);
  bytes.set(after, HEADER_WORDS * 4 + before.length);
  return buffer;
}

/** Parses and fully validates a serialized delta against a mask's size; throws with the reason. */
export function deserializeDelta(buffer: ArrayBuffer, width: number, height: number): MaskDelta {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < HEADER_WORDS * 4) throw new Error('delta: too short');
  const view = new DataView(buffer);
  const [x0, y0, x1, y1, beforeLen, afterLen] = Array.from({ length: HEADER_WORDS }, (_, i) => view.getUint32(i * 4, true));
  if (!(x0 < x1 && y0 < y1 && x1 <= width && y1 <= height)) {
    throw new Error(`delta: rectangle ${x0},${y0}-${x1},${y1} is outside the ${width}x${height} mask`);
  }
  if (HEADER_WORDS * 4 + beforeLen + afterLen !== buffer.byteLength) throw new Error('delta: lengths do not match the size');
  const before = new Uint8Array(buffer, HEADER_WORDS * 4, beforeLen).slice();
  const after = new Uint8Array(buffer, HEADER_WORDS * 4 + beforeLen, afterLen).slice();
  const area = (x1 - x0) * (y1 - y0);
  if (rleLength(before) !== area || rleLength(after) !== area) throw new Error('delta: pixel data does not cover the rectangle');
  return { rect: { x0, y0, x1, y1 }, before, after };
}

/**
 * Throws unless every pixel the delta changes gets one of `values` (a class id or the ignore
 * index): a webview cannot write 7 into a 2-class mask. Pixels it leaves as they were may hold
 * anything, so a mask that already has unknown values can still be edited.
 */
export function checkDeltaValues(delta: MaskDelta, values: ReadonlySet<number>): void {
  const { x0, y0, x1, y1 } = delta.rect;
  const area = (x1 - x0) * (y1 - y0);
  const before = decodeRle(delta.before, area);
  const after = decodeRle(delta.after, area);
  for (let i = 0; i < area; i++) {
    if (after[i] !== before[i] && !values.has(after[i])) {
      const [x, y] = [x0 + (i % (x1 - x0)), y0 + Math.floor(i / (x1 - x0))];
      throw new Error(`delta: pixel ${x},${y} would become ${after[i]}, which is no class id nor the ignore index`);
    }
  }
}

/** True when the mask's pixels in the delta's rectangle equal its `before` side (a precondition for redo). */
export function deltaMatches(grid: PixelGrid, delta: MaskDelta, side: 'before' | 'after'): boolean {
  const current = rectPixels(grid, delta.rect);
  const expected = decodeRle(delta[side], current.length);
  for (let i = 0; i < current.length; i++) if (current[i] !== expected[i]) return false;
  return true;
}
