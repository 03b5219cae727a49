/** The embedding cache's store in Node: one `<key>.emb` file per entry in a folder, its mtime the last use. */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { EmbeddingCache, type EmbeddingStore, type StoredEntry } from '../core/model/promptable/embeddingCache';
import type { EmbeddingSink } from '../training/remoteEmbeddings';
import { NodeFileSystem } from './nodeFileSystem';

const SUFFIX = '.emb';

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

export function folderEmbeddingStore(folder: string): EmbeddingStore {
  const fs = new NodeFileSystem();
  const file = (key: string) => join(folder, key + SUFFIX);
  return {
    async list() {
      const names = await fsp.readdir(folder).catch((error: unknown) => (missing(error) ? [] : Promise.reject(error)));
      const entries: StoredEntry[] = [];
      for (const name of names.filter((n) => n.endsWith(SUFFIX))) {
        const s = await fsp.stat(join(folder, name)).catch(() => undefined);
        if (s?.isFile()) entries.push({ key: name.slice(0, -SUFFIX.length), size: s.size, lastUsed: s.mtimeMs });
      }
      return entries;
    },
    read: (key) =>
      fsp.readFile(file(key)).then(
        (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
        (error: unknown) => (missing(error) ? undefined : Promise.reject(error)),
      ),
    async write(key, bytes) {
      await fs.createDirectory(folder); // not fsp.mkdir's `recursive`, which spins on /proc (nodeFileSystem.ts)
      await fs.writeFileAtomic(file(key), bytes);
    },
    async touch(key) {
      const now = new Date();
      await fsp.utimes(file(key), now, now).catch((error: unknown) => (missing(error) ? undefined : Promise.reject(error)));
    },
    delete: (key) => fsp.rm(file(key), { force: true }),
  };
}

/** The folder's cache as embeddings computed elsewhere fill it (the training backend's): its keys now, and `put`. */
export async function folderEmbeddingSink(folder: string, limit: number): Promise<EmbeddingSink> {
  const store = folderEmbeddingStore(folder);
  const cache = new EmbeddingCache(store, limit);
  const keys = new Set((await store.list()).map((e) => e.key));
  return { has: async (key) => keys.has(key), put: (key, embeddings) => cache.put(key, embeddings) };
}
