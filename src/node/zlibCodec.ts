/** Node's native zlib for the mask codec: inflate ~4x and deflate several times faster than fflate. */
import { deflateSync, inflateSync } from 'node:zlib';
import { setMaskZlib, type MaskZlib } from '../core/mask/zlib';

export const nodeZlib: MaskZlib = {
  inflate: (data, expectedLength) => {
    // The limit keeps a zlib bomb from allocating more than the header allows (plus one byte, so
    // a slightly long stream is reported as such by the codec); one chunk of that size spares
    // the concatenation of 16 KiB chunks, which halves the time.
    const limit = Math.max(64, expectedLength + 1);
    const out = inflateSync(data, { maxOutputLength: limit, chunkSize: limit });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  deflate: (data, level) => {
    const out = deflateSync(data, { level });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
};

/** Call once in every Node process or worker thread that reads or writes masks. */
export function useNodeZlib(): void {
  setMaskZlib(nodeZlib);
}
