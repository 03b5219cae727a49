/** Byte-level PNG surgery for tests: build valid files with odd headers or broken contents. */
import { crc32 } from '../../../src/core/mask/crc32';

interface Chunk {
  type: string;
  data: Uint8Array;
}

export function readChunks(png: Uint8Array): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    chunks.push({ type: String.fromCharCode(...png.subarray(at + 4, at + 8)), data: png.slice(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

/** A PNG from chunks, with correct lengths and CRCs. */
export function writeChunks(chunks: Chunk[]): Uint8Array {
  const parts: number[] = [137, 80, 78, 71, 13, 10, 26, 10];
  for (const { type, data } of chunks) {
    const body = new Uint8Array(4 + data.length);
    body.set([...type].map((ch) => ch.charCodeAt(0)));
    body.set(data, 4);
    const len = data.length;
    const crc = crc32(body);
    parts.push(len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255, ...body, crc >>> 24, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255);
  }
  return Uint8Array.from(parts);
}

export interface IhdrFields {
  width?: number;
  height?: number;
  depth?: number;
  colorType?: number;
  interlace?: number;
}

/** The same PNG with IHDR fields replaced (and a valid CRC). */
export function withIhdr(png: Uint8Array, fields: IhdrFields): Uint8Array {
  return writeChunks(
    readChunks(png).map((chunk) => {
      if (chunk.type !== 'IHDR') return chunk;
      const data = chunk.data.slice();
      const view = new DataView(data.buffer);
      if (fields.width !== undefined) view.setUint32(0, fields.width);
      if (fields.height !== undefined) view.setUint32(4, fields.height);
      if (fields.depth !== undefined) data[8] = fields.depth;
      if (fields.colorType !== undefined) data[9] = fields.colorType;
      if (fields.interlace !== undefined) data[12] = fields.interlace;
      return { type: 'IHDR', data };
    }),
  );
}

/** Packs one-byte samples into rows of `depth`-bit samples, each row starting on a byte. */
export function packBits(values: Uint8Array, width: number, depth: number): Uint8Array {
  const height = values.length / width;
  const rowBytes = Math.ceil((width * depth) / 8);
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * rowBytes + (bit >> 3)] |= values[y * width + x] << (8 - depth - (bit & 7));
    }
  }
  return out;
}
