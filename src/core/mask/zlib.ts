import { unzlibSync, zlibSync } from 'fflate';

export type ZlibLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** The zlib streams inside PNG image data. */
export interface MaskZlib {
  /**
   * Inflates `data`, which should hold exactly `expectedLength` bytes. May stop early, throw or
   * return more than that when the stream is longer; the caller checks the length.
   */
  inflate(data: Uint8Array, expectedLength: number): Uint8Array;
  deflate(data: Uint8Array, level: ZlibLevel): Uint8Array;
}

/** fflate (pure JavaScript, what fast-png uses): works everywhere. */
const portableZlib: MaskZlib = {
  // One spare byte, so a stream longer than expected shows as a longer result.
  inflate: (data, expectedLength) => unzlibSync(data, { out: new Uint8Array(expectedLength + 1) }),
  deflate: (data, level) => zlibSync(data, { level }),
};

let current = portableZlib;

/**
 * Swaps in a faster zlib for this thread's mask codec (Node's native one is several times
 * faster: src/node/zlibCodec.ts); undefined goes back to the portable one. Process-wide rather
 * than a decode option, because masks are decoded deep inside dataset validation, conversion
 * and scoring: each Node entry point (CLI, extension host, worker thread) sets it once.
 */
export function setMaskZlib(zlib: MaskZlib | undefined): void {
  current = zlib ?? portableZlib;
}

export function maskZlib(): MaskZlib {
  return current;
}
