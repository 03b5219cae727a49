import { decode, type DecodedPng } from 'fast-png';
import { paletteFor, type ClassDef } from '../classes';
import { DataError, errorMessage } from '../errors';
import { isBytePng, readBytePixels, writeIndexedPng } from './bytePng';
import { colorsToClasses } from './colorMap';
import { ColorType, colorTypeName, readPngHeader, type PngHeader } from './pngHeader';
import type { ZlibLevel } from './zlib';

/** A label mask: one class index per pixel, row-major. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface DecodeOptions {
  /** Named in every error. */
  path: string;
  /** Colours for RGB/RGBA masks. */
  classes: readonly ClassDef[];
  /** Larger declared sizes are refused before anything is allocated (default 100e6). */
  maxPixels?: number;
  /** RGB masks: the ignore index's palette colour maps to it (default 255). */
  ignoreIndex?: number;
}

export const DEFAULT_MAX_PIXELS = 100e6;

/**
 * Deflate level for written masks. Measured with Node's zlib on 1024x1024 label masks here
 * (png-encode-level lines of bench/core.bench.ts): levels 1-3 all deflate at ~900 Mpx/s on
 * few-object masks and 3 gives 15-20% smaller files than 1; from 4 on speed drops 2.5x and
 * more (6, Pillow's default, is ~7x slower for 25% smaller files). fflate is level-insensitive
 * in this range (~60 Mpx/s).
 */
export const MASK_ZLIB_LEVEL: ZlibLevel = 3;

/**
 * Decodes a PNG mask: indexed (value = palette index) and grayscale (value = class) at 1-16
 * bits, and RGB/RGBA colour masks mapped through the class colours. Every failure is a
 * DataError naming the file. 8-bit indexed and grayscale masks take the fast path (bytePng.ts),
 * the rarer forms go through fast-png.
 */
export function decodeMask(bytes: Uint8Array, opts: DecodeOptions): Mask {
  const { path } = opts;
  const header = readPngHeader(bytes, path, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  checkSupported(header, path);
  const { width, height, depth, colorType } = header;
  if (isBytePng(header)) return { width, height, data: readBytePixels(bytes, header, path) };
  let png: DecodedPng;
  try {
    png = decode(bytes); // readPngHeader checked the CRCs
  } catch (e) {
    throw new DataError(path, `corrupt PNG: ${errorMessage(e)}`);
  }
  const rowBytes = Math.ceil((width * depth * png.channels) / 8);
  if (png.width !== width || png.height !== height || png.data.length * (depth === 16 ? 2 : 1) !== rowBytes * height) {
    throw new DataError(path, 'corrupt PNG: decoded data does not match the header');
  }
  let data: Uint8Array;
  if (colorType === ColorType.Rgb || colorType === ColorType.Rgba) {
    data = colorsToClasses(png.data as Uint8Array, png.channels as 3 | 4, width, opts.classes, opts.ignoreIndex ?? 255, path);
  } else if (depth === 16) {
    data = narrow16(png.data as Uint16Array, width, path);
  } else if (depth < 8) {
    data = unpackBits(png.data as Uint8Array, width, height, depth);
  } else {
    data = png.data as Uint8Array;
  }
  return { width, height, data };
}

/** An 8-bit indexed PNG whose palette holds the class colours, so masks look right anywhere. */
export function encodeMask(mask: Mask, classes: readonly ClassDef[], ignoreIndex: number, zlibLevel: ZlibLevel = MASK_ZLIB_LEVEL): Uint8Array {
  const { width, height, data } = mask;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height) {
    throw new RangeError(`mask of ${width}x${height} needs ${width * height} values, got ${data.length}`);
  }
  return writeIndexedPng(width, height, data, paletteFor(classes, ignoreIndex), zlibLevel);
}

function checkSupported({ depth, colorType, interlaced }: PngHeader, path: string): void {
  const kind = `${depth}-bit ${colorTypeName(colorType)}`;
  if (colorType === ColorType.GrayAlpha || (depth === 16 && colorType !== ColorType.Gray)) {
    throw new DataError(path, `unsupported mask format: ${kind} (use indexed, grayscale, RGB or RGBA)`);
  }
  // fast-png's Adam7 path treats sub-byte pixels as whole bytes.
  if (interlaced && depth < 8) throw new DataError(path, `unsupported mask format: interlaced ${kind}`);
}

function narrow16(values: Uint16Array, width: number, path: string): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 255) {
      throw new DataError(path, `value ${v} at pixel (${i % width}, ${Math.floor(i / width)}) is not a class index (at most 255)`);
    }
    out[i] = v;
  }
  return out;
}

/** Rows of 1, 2 or 4-bit samples (each row starts on a byte) to one byte per pixel. */
function unpackBits(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < width; x++) {
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * width + x] = (packed[row + Math.floor(x / perByte)] >> shift) & mask;
    }
  }
  return out;
}
