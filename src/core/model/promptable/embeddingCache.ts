/**
 * Image embeddings on disk, so reopening an image skips the encoder: one entry per (encoder and
 * its preprocessing, image content), least recently used entries removed past a size limit.
 * The store (a folder in Node, anything else elsewhere) is passed in; the format and the policy
 * live here. An entry that does not decode is removed and counts as a miss.
 */
import { DataError } from '../../errors';
import type { EncoderInputSpec } from './card';
import type { Embeddings } from './selection';

export interface StoredEntry {
  key: string;
  size: number;
  /** Milliseconds since the epoch of the last read or write. */
  lastUsed: number;
}

export interface EmbeddingStore {
  list(): Promise<StoredEntry[]>;
  /** undefined when there is no such entry. */
  read(key: string): Promise<Uint8Array | undefined>;
  write(key: string, bytes: Uint8Array): Promise<void>;
  /** Marks the entry as used now. */
  touch(key: string): Promise<void>;
  delete(key: string): Promise<void>;
}

const MAGIC = 'SEGLAB-EMB1\n';

/** FNV-1a of the preprocessing, so a card that changes it does not reuse embeddings. */
function specHash(spec: EncoderInputSpec): string {
  let h = 0x811c9dc5;
  for (const ch of JSON.stringify([spec.layout, spec.dtype, spec.size, spec.mean, spec.std])) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** What the keys of one encoder's entries start with: the encoder file's sha256 and its preprocessing. */
export const embeddingKeyPrefix = (encoderSha256: string, spec: EncoderInputSpec) => `${encoderSha256}-${specHash(spec)}`;

/** The entry's key: the encoder file's sha256, its preprocessing, the image file's sha256. */
export const embeddingKey = (encoderSha256: string, spec: EncoderInputSpec, imageSha256: string) => `${embeddingKeyPrefix(encoderSha256, spec)}-${imageSha256}`;

/** MAGIC, a little-endian u32 header length, the JSON header {width, height, tensors: [{name, dims}]}, padding to 4, float32 data. */
export function serializeEmbeddings(e: Embeddings): Uint8Array {
  const names = Object.keys(e.tensors);
  const header = new TextEncoder().encode(
    JSON.stringify({ width: e.width, height: e.height, tensors: names.map((name) => ({ name, dims: e.tensors[name].dims })) }),
  );
  const start = Math.ceil((MAGIC.length + 4 + header.length) / 4) * 4;
  const floats = names.reduce((n, name) => n + e.tensors[name].data.length, 0);
  const out = new Uint8Array(start + floats * 4);
  out.set(new TextEncoder().encode(MAGIC));
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  const data = new Float32Array(out.buffer, start);
  let at = 0;
  for (const name of names) {
    data.set(e.tensors[name].data, at);
    at += e.tensors[name].data.length;
  }
  return out;
}

export function deserializeEmbeddings(bytes: Uint8Array, path: string): Embeddings {
  const fail = (why: string) => new DataError(path, `not a SegLab embedding file (${why})`);
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) throw fail('wrong signature');
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  let header: { width: number; height: number; tensors: Array<{ name: string; dims: number[] }> };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + length)));
  } catch {
    throw fail('unreadable header');
  }
  const start = Math.ceil((MAGIC.length + 4 + length) / 4) * 4;
  const sizes = header.tensors.map((t) => t.dims.reduce((a, b) => a * b, 1));
  if (bytes.length !== start + sizes.reduce((a, b) => a + b, 0) * 4) throw fail('truncated');
  const floats = new Float32Array(bytes.slice(start).buffer);
  const tensors: Embeddings['tensors'] = {};
  let at = 0;
  header.tensors.forEach((t, i) => {
    tensors[t.name] = { data: floats.subarray(at, at + sizes[i]), dims: t.dims };
    at += sizes[i];
  });
  return { width: header.width, height: header.height, tensors };
}

/** The least recently used keys to remove so that the total size is at most `limit`. */
export function evictions(entries: readonly StoredEntry[], limit: number): string[] {
  let total = entries.reduce((n, e) => n + e.size, 0);
  const out: string[] = [];
  for (const e of [...entries].sort((a, b) => a.lastUsed - b.lastUsed || a.key.localeCompare(b.key))) {
    if (total <= limit) break;
    out.push(e.key);
    total -= e.size;
  }
  return out;
}

export class EmbeddingCache {
  constructor(
    private readonly store: EmbeddingStore,
    /** Bytes; an entry larger than this is not stored. */
    private readonly limit: number,
  ) {}

  async get(key: string): Promise<Embeddings | undefined> {
    const bytes = await this.store.read(key);
    if (!bytes) return undefined;
    try {
      const embeddings = deserializeEmbeddings(bytes, key);
      await this.store.touch(key);
      return embeddings;
    } catch {
      await this.store.delete(key);
      return undefined;
    }
  }

  async put(key: string, embeddings: Embeddings): Promise<void> {
    const bytes = serializeEmbeddings(embeddings);
    if (bytes.length > this.limit) return;
    await this.store.write(key, bytes);
    for (const old of evictions(await this.store.list(), this.limit)) await this.store.delete(old);
  }
}
