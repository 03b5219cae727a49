/**
 * Byte scans over masks that step through an aligned 32-bit view where they can, four pixels
 * at a time: the inner loops of fills and run-length coding on 16-megapixel masks.
 */
export interface ByteView {
  bytes: Uint8Array;
  /** The same memory as 32-bit words, when the bytes start 4-aligned. */
  words: Uint32Array | undefined;
}

export function byteView(bytes: Uint8Array): ByteView {
  return { bytes, words: bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2) : undefined };
}

/** The first index in [from, limit) whose byte is not `value`, or `limit`. */
export function runEnd({ bytes, words }: ByteView, from: number, limit: number, value: number): number {
  if (from >= limit) return limit;
  let i = from;
  while (i < limit && (i & 3) !== 0 && bytes[i] === value) i++;
  if (words && (i & 3) === 0) {
    const word = (value * 0x01010101) >>> 0;
    const wordLimit = limit >> 2;
    let w = i >> 2;
    while (w < wordLimit && words[w] === word) w++;
    i = w << 2;
  }
  while (i < limit && bytes[i] === value) i++;
  return i;
}

/** The first index in [from, limit) whose byte is `value`, or `limit`. */
export function findByte({ bytes, words }: ByteView, from: number, limit: number, value: number): number {
  if (from >= limit) return limit;
  let i = from;
  while (i < limit && (i & 3) !== 0) {
    if (bytes[i] === value) return i;
    i++;
  }
  if (words) {
    const word = (value * 0x01010101) >>> 0;
    const wordLimit = limit >> 2;
    let w = i >> 2;
    // A word holds `value` when (word ^ pattern) has a zero byte.
    for (; w < wordLimit; w++) {
      const v = (words[w] ^ word) >>> 0;
      if (((v - 0x01010101) & ~v & 0x80808080) !== 0) break;
    }
    i = Math.max(i, w << 2);
  }
  while (i < limit && bytes[i] !== value) i++;
  return i;
}
