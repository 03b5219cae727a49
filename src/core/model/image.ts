/** Decoded images for pre-labeling: 8-bit RGB or RGBA, row-major (canvas ImageData is RGBA). */
import { decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { DataError } from '../errors';

export interface RgbImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

const isPng = (b: Uint8Array) => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Larger images are refused before decoding (an 8000x6000 photo is 48 Mpx). */
export const MAX_IMAGE_PIXELS = 200e6;

/** Decodes a JPEG or an 8/16-bit PNG (gray, RGB, alpha, palette) to RGB; errors name the file. */
export function decodeImage(bytes: Uint8Array, path: string): RgbImage {
  try {
    if (isJpeg(bytes)) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 4096, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
      return { width: img.width, height: img.height, channels: 3, data: img.data };
    }
    if (isPng(bytes)) {
      const png = decodePng(bytes);
      if (png.depth < 8) throw new DataError(path, `${png.depth}-bit PNG images are not supported for pre-labeling (8 or 16 bits are)`);
      return pngToRgb(png);
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(path, `cannot decode image (${error instanceof Error ? error.message : String(error)})`);
  }
  throw new DataError(path, 'not a JPEG or PNG image (pre-labeling reads these two formats)');
}

function pngToRgb(png: ReturnType<typeof decodePng>): RgbImage {
  const { width, height, channels, depth, palette } = png;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const src = png.data;
  const shift = depth === 16 ? 8 : 0;
  for (let i = 0; i < n; i++) {
    if (palette) {
      const p = palette[src[i]] ?? [0, 0, 0];
      out[i * 3] = p[0];
      out[i * 3 + 1] = p[1];
      out[i * 3 + 2] = p[2];
    } else if (channels <= 2) {
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = src[i * channels] >> shift;
    } else {
      out[i * 3] = src[i * channels] >> shift;
      out[i * 3 + 1] = src[i * channels + 1] >> shift;
      out[i * 3 + 2] = src[i * channels + 2] >> shift;
    }
  }
  return { width, height, channels: 3, data: out };
}
