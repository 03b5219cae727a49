import { byteView, runEnd } from './scan';

/**
 * Run-length coding of bytes: pairs of (value, run length as LEB128 varint). Mask rectangles are
 * mostly long runs of one class, so a delta's old and new pixels shrink by orders of magnitude.
 */
export function encodeRle(bytes: Uint8Array): Uint8Array {
  let out = new Uint8Array(Math.max(16, bytes.length >> 4));
  let n = 0;
  const push = (b: number): void => {
    if (n === out.length) {
      const grown = new Uint8Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[n++] = b;
  };
  const view = byteView(bytes);
  let i = 0;
  while (i < bytes.length) {
    const value = bytes[i];
    const j = runEnd(view, i + 1, bytes.length, value);
    push(value);
    let run = j - i;
    while (run >= 0x80) {
      push((run & 0x7f) | 0x80);
      run >>>= 7;
    }
    push(run);
    i = j;
  }
  return out.slice(0, n);
}

/** Calls `emit(value, start, length)` for every run; throws if the data is malformed. */
export function forEachRun(rle: Uint8Array, emit: (value: number, start: number, length: number) => void): number {
  let pos = 0;
  let total = 0;
  while (pos < rle.length) {
    const value = rle[pos++];
    let run = 0;
    let shift = 0;
    for (;;) {
      if (pos >= rle.length || shift > 28) throw new Error('truncated run-length data');
      const b = rle[pos++];
      run += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
    }
    if (run === 0) throw new Error('zero-length run');
    emit(value, total, run);
    total += run;
  }
  return total;
}

/** The number of bytes the data decodes to (validates it on the way). */
export function rleLength(rle: Uint8Array): number {
  return forEachRun(rle, () => undefined);
}

export function decodeRle(rle: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const total = forEachRun(rle, (value, start, run) => {
    if (start + run > length) throw new Error('run-length data longer than expected');
    out.fill(value, start, start + run);
  });
  if (total !== length) throw new Error(`run-length data holds ${total} bytes, expected ${length}`);
  return out;
}
