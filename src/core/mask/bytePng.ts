/**
 * The common mask form, one byte per pixel (8-bit indexed or grayscale, not interlaced), read and
 * written here rather than through fast-png, whose JavaScript inflate and per-row copies made it
 * ~4x slower: the zlib is swappable (zlib.ts) and the rows are unfiltered in one pass in place.
 */
import type { Rgb } from '../classes';
import { DataError, errorMessage } from '../errors';
import { crc32 } from './crc32';
import { ColorType, type PngHeader } from './pngHeader';
import { maskZlib, type ZlibLevel } from './zlib';

export function isBytePng({ depth, colorType, interlaced }: PngHeader): boolean {
  return depth === 8 && !interlaced && (colorType === ColorType.Gray || colorType === ColorType.Indexed);
}

/**
 * The pixels of a PNG that isBytePng accepts, whose chunks readPngHeader has checked. The image
 * data must inflate to exactly the size the header promises, with valid row filters.
 */
export function readBytePixels(bytes: Uint8Array, header: PngHeader, path: string): Uint8Array {
  const { width, height } = header;
  const expected = (width + 1) * height;
  let raw: Uint8Array;
  try {
    raw = maskZlib().inflate(concatenated(bytes, header.dataChunks), expected);
  } catch (e) {
    throw new DataError(path, `corrupt PNG: the image data does not inflate (${errorMessage(e)})`);
  }
  if (raw.length !== expected) {
    const got = raw.length < expected ? `${raw.length} bytes, less` : 'more';
    throw new DataError(path, `corrupt PNG: the image data inflates to ${got} than the ${expected} its header promises`);
  }
  const bad = unfilterInPlace(raw, width, height);
  if (bad >= 0) throw new DataError(path, `corrupt PNG: unknown row filter ${raw[bad * (width + 1)]} in row ${bad}`);
  return raw.slice(0, width * height);
}

function concatenated(bytes: Uint8Array, ranges: readonly [number, number][]): Uint8Array {
  if (ranges.length === 1) return bytes.subarray(ranges[0][0], ranges[0][1]);
  const out = new Uint8Array(ranges.reduce((n, [start, end]) => n + end - start, 0));
  let at = 0;
  for (const [start, end] of ranges) {
    out.set(bytes.subarray(start, end), at);
    at += end - start;
  }
  return out;
}

/**
 * Undoes the row filters, compacting rows of [filter, width bytes] into rows of width bytes at
 * the start of `b`: each output byte lands before the input bytes still to be read, and the row
 * above is already final. Uint8Array stores wrap modulo 256. Returns the row of an unknown
 * filter type, or -1.
 */
function unfilterInPlace(b: Uint8Array, width: number, height: number): number {
  const stride = width + 1;
  for (let y = 0; y < height; y++) {
    const s = y * stride + 1;
    const d = y * width;
    const u = d - width;
    const filter = b[s - 1];
    if (filter === 0 || (filter === 2 && y === 0)) {
      b.copyWithin(d, s, s + width);
    } else if (filter === 1 || (filter === 4 && y === 0)) {
      // Sub; Paeth on the first row predicts from the left only.
      b[d] = b[s];
      for (let x = 1; x < width; x++) b[d + x] = b[s + x] + b[d + x - 1];
    } else if (filter === 2) {
      for (let x = 0; x < width; x++) b[d + x] = b[s + x] + b[u + x];
    } else if (filter === 3) {
      b[d] = b[s] + (y === 0 ? 0 : b[u] >> 1);
      if (y === 0) for (let x = 1; x < width; x++) b[d + x] = b[s + x] + (b[d + x - 1] >> 1);
      else for (let x = 1; x < width; x++) b[d + x] = b[s + x] + ((b[d + x - 1] + b[u + x]) >> 1);
    } else if (filter === 4) {
      b[d] = b[s] + b[u];
      for (let x = 1; x < width; x++) {
        const left = b[d + x - 1];
        const up = b[u + x];
        const diag = b[u + x - 1];
        const pa = Math.abs(up - diag);
        const pb = Math.abs(left - diag);
        const pc = Math.abs(left + up - 2 * diag);
        b[d + x] = b[s + x] + (pa <= pb && pa <= pc ? left : pb <= pc ? up : diag);
      }
    } else return y;
  }
  return -1;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** An 8-bit indexed PNG (rows unfiltered, as fast-png writes them: masks compress well so). */
export function writeIndexedPng(width: number, height: number, data: Uint8Array, palette: readonly Rgb[], level: ZlibLevel): Uint8Array {
  const raw = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const compressed = maskZlib().deflate(raw, level);
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, ColorType.Indexed, 0, 0, 0], 8);
  const chunks: [string, Uint8Array][] = [
    ['IHDR', ihdr],
    ['PLTE', Uint8Array.from(palette.flat())],
    ['IDAT', compressed],
    ['IEND', new Uint8Array(0)],
  ];
  const out = new Uint8Array(chunks.reduce((n, [, body]) => n + 12 + body.length, SIGNATURE.length));
  const outView = new DataView(out.buffer);
  out.set(SIGNATURE);
  let at = SIGNATURE.length;
  for (const [type, body] of chunks) {
    outView.setUint32(at, body.length);
    for (let i = 0; i < 4; i++) out[at + 4 + i] = type.charCodeAt(i);
    out.set(body, at + 8);
    outView.setUint32(at + 8 + body.length, crc32(out, at + 4, at + 8 + body.length));
    at += 12 + body.length;
  }
  return out;
}
