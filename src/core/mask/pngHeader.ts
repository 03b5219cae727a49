import { DataError } from '../errors';
import { crc32 } from './crc32';

/** PNG colour types (IHDR byte 9). */
export const ColorType = { Gray: 0, Rgb: 2, Indexed: 3, GrayAlpha: 4, Rgba: 6 } as const;

export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
  /** [start, end) byte ranges of the IDAT chunks' data, in file order. */
  dataChunks: [number, number][];
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const VALID_DEPTHS: Record<number, readonly number[]> = {
  [ColorType.Gray]: [1, 2, 4, 8, 16],
  [ColorType.Rgb]: [8, 16],
  [ColorType.Indexed]: [1, 2, 4, 8],
  [ColorType.GrayAlpha]: [8, 16],
  [ColorType.Rgba]: [8, 16],
};
const COLOR_NAMES: Record<number, string> = {
  [ColorType.Gray]: 'grayscale',
  [ColorType.Rgb]: 'RGB',
  [ColorType.Indexed]: 'indexed',
  [ColorType.GrayAlpha]: 'grayscale+alpha',
  [ColorType.Rgba]: 'RGBA',
};

export function colorTypeName(colorType: number): string {
  return COLOR_NAMES[colorType] ?? `colour type ${colorType}`;
}

/**
 * Reads and checks the IHDR fields and walks the chunk list, checking every chunk's CRC (and
 * noting where the image data is), so that a truncated or corrupt file or an absurd declared
 * size is reported clearly before the decoder allocates anything.
 */
export function readPngHeader(bytes: Uint8Array, path: string, maxPixels: number): PngHeader {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new DataError(path, 'not a PNG file');
  if (bytes.length < 33) throw new DataError(path, 'truncated PNG: the file ends inside the header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || chunkType(bytes, 12) !== 'IHDR') throw new DataError(path, 'corrupt PNG: the first chunk is not a valid IHDR');
  if (crc32(bytes, 12, 29) !== view.getUint32(29)) throw new DataError(path, 'corrupt PNG: CRC mismatch in the IHDR chunk at byte 8');
  const header: PngHeader = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    depth: bytes[24],
    colorType: bytes[25],
    interlaced: bytes[28] === 1,
    dataChunks: [],
  };
  const { width, height, depth, colorType } = header;
  if (width === 0 || height === 0) throw new DataError(path, `invalid PNG size ${width}x${height}`);
  if (width * height > maxPixels) {
    throw new DataError(path, `PNG declares ${width}x${height} pixels, more than the limit of ${maxPixels}`);
  }
  const depths = VALID_DEPTHS[colorType];
  if (!depths) throw new DataError(path, `corrupt PNG: unknown colour type ${colorType}`);
  if (!depths.includes(depth)) throw new DataError(path, `corrupt PNG: bit depth ${depth} is invalid for ${colorTypeName(colorType)}`);
  if (bytes[26] !== 0 || bytes[27] !== 0 || bytes[28] > 1) throw new DataError(path, 'corrupt PNG: unknown compression, filter or interlace method');
  checkChunks(bytes, view, path, header.dataChunks);
  return header;
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

function checkChunks(bytes: Uint8Array, view: DataView, path: string, dataChunks: [number, number][]): void {
  let at = 8;
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at);
    const type = chunkType(bytes, at + 4);
    if (at + 12 + length > bytes.length) {
      throw new DataError(path, `truncated PNG: the file ends inside the ${type} chunk at byte ${at}`);
    }
    if (crc32(bytes, at + 4, at + 8 + length) !== view.getUint32(at + 8 + length)) {
      throw new DataError(path, `corrupt PNG: CRC mismatch in the ${type} chunk at byte ${at}`);
    }
    if (type === 'IDAT') dataChunks.push([at + 8, at + 8 + length]);
    if (type === 'IEND') {
      if (dataChunks.length === 0) throw new DataError(path, 'corrupt PNG: no image data (IDAT) chunk');
      return;
    }
    at += 12 + length;
  }
  throw new DataError(path, 'truncated PNG: the file ends before the IEND chunk');
}
