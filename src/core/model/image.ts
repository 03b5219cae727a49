/** Decoded images for pre-labeling: 8-bit RGB or RGBA, row-major (canvas ImageData is RGBA). */
import libjpegTurbo, { type LibJpegTurbo } from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs';
import { decode as decodePng } from 'fast-png';
import { DataError, errorMessage } from '../errors';

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
export async function decodeImage(bytes: Uint8Array, path: string): Promise<RgbImage> {
  if (isJpeg(bytes)) return decodeJpeg(bytes, path);
  if (!isPng(bytes)) throw new DataError(path, 'not a JPEG or PNG image (pre-labeling reads these two formats)');
  let png: ReturnType<typeof decodePng>;
  try {
    png = decodePng(bytes);
  } catch (error) {
    throw new DataError(path, `cannot decode image (${errorMessage(error)})`);
  }
  if (png.depth < 8) throw new DataError(path, `${png.depth}-bit PNG images are not supported for pre-labeling (8 or 16 bits are)`);
  if (png.width * png.height > MAX_IMAGE_PIXELS) throw tooLarge(path, png.width, png.height);
  return pngToRgb(png);
}

const tooLarge = (path: string, width: number, height: number) =>
  new DataError(path, `${width}x${height} is more than ${MAX_IMAGE_PIXELS / 1e6} megapixels; pre-labeling refuses larger images`);

let jpegCodec: Promise<LibJpegTurbo> | undefined;
/** WASM memory only grows: after a photo this large the module is dropped, so its memory can be freed. */
const KEEP_CODEC_MAX_PIXELS = 16e6;

/**
 * libjpeg-turbo (WASM), the decoder of Pillow (the trainer) and of Chromium (the editor): the host,
 * the CLI, the trainer and the webview see the same pixels of a JPEG, so their predictions and
 * metrics agree. The module is loaded on first use; its errors carry no message, hence ours.
 */
async function decodeJpeg(bytes: Uint8Array, path: string): Promise<RgbImage> {
  const decoder = new (await (jpegCodec ??= libjpegTurbo())).JPEGDecoder();
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    try {
      decoder.readHeader();
    } catch {
      throw new DataError(path, 'cannot decode image (the JPEG header is unreadable)');
    }
    const { width, height, componentCount } = decoder.getFrameInfo();
    if (width * height > MAX_IMAGE_PIXELS) throw tooLarge(path, width, height);
    const components = frameComponents(bytes) ?? componentCount;
    if (components !== 1 && components !== 3)
      throw new DataError(path, `${components}-channel (CMYK) JPEG images are not supported for pre-labeling (RGB and grayscale are)`);
    try {
      decoder.decode();
    } catch {
      throw new DataError(path, 'cannot decode image (corrupt or truncated JPEG data)');
    }
    if (width * height > KEEP_CODEC_MAX_PIXELS) jpegCodec = undefined;
    const samples = decoder.getDecodedBuffer();
    if (components === 3) return { width, height, channels: 3, data: samples.slice() };
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < samples.length; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = samples[i];
    return { width, height, channels: 3, data: rgb };
  } finally {
    decoder.delete();
  }
}

/** The component count of the JPEG's frame header (the decoder's header info says 3 for CMYK). */
function frameComponents(b: Uint8Array): number | undefined {
  for (let i = 2; i + 9 < b.length && b[i] === 0xff;) {
    const marker = b[i + 1];
    if (marker === 0xda) return undefined; // start of scan: no frame header before it
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return b[i + 9];
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  return undefined;
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
