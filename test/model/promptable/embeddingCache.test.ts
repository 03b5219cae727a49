import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SAM_MEAN, SAM_STD, type EncoderInputSpec } from '../../../src/core/model/promptable/card';
import {
  deserializeEmbeddings,
  EmbeddingCache,
  embeddingKey,
  evictions,
  serializeEmbeddings,
  type EmbeddingStore,
} from '../../../src/core/model/promptable/embeddingCache';
import type { Embeddings } from '../../../src/core/model/promptable/selection';

const embeddings = (seed: number, floats = 6): Embeddings => ({
  width: 517,
  height: 301,
  tensors: {
    image_embeddings: { data: Float32Array.from({ length: floats }, (_, i) => seed + i / 8), dims: [1, floats / 2, 2] },
    high_res_feats_0: { data: Float32Array.of(-1.5, seed), dims: [2] },
  },
});

/** A store in memory whose clock the test moves. */
function memoryStore(): EmbeddingStore & { clock: number; entries: Map<string, { bytes: Uint8Array; lastUsed: number }> } {
  const entries = new Map<string, { bytes: Uint8Array; lastUsed: number }>();
  const store = {
    clock: 0,
    entries,
    list: async () => [...entries].map(([key, e]) => ({ key, size: e.bytes.length, lastUsed: e.lastUsed })),
    read: async (key: string) => entries.get(key)?.bytes,
    write: async (key: string, bytes: Uint8Array) => void entries.set(key, { bytes, lastUsed: ++store.clock }),
    touch: async (key: string) => void (entries.get(key)!.lastUsed = ++store.clock),
    delete: async (key: string) => void entries.delete(key),
  };
  return store;
}

test('embeddings round-trip through the file format; a damaged file is an error naming it', () => {
  const e = embeddings(3);
  const back = deserializeEmbeddings(serializeEmbeddings(e), 'k');
  assert.deepEqual(back.tensors.image_embeddings.dims, [1, 3, 2]);
  assert.deepEqual([...back.tensors.image_embeddings.data], [...e.tensors.image_embeddings.data]);
  assert.deepEqual([...back.tensors.high_res_feats_0.data], [-1.5, 3]);
  assert.deepEqual([back.width, back.height], [517, 301]);
  const bytes = serializeEmbeddings(e);
  assert.throws(() => deserializeEmbeddings(bytes.subarray(0, bytes.length - 4), '/c/k.emb'), /\/c\/k\.emb: not a SegLab embedding file \(truncated\)/);
  assert.throws(() => deserializeEmbeddings(new Uint8Array(40), '/c/k.emb'), /wrong signature/);
});

test('keys differ by encoder, preprocessing and image', () => {
  const spec: EncoderInputSpec = { name: 'image', layout: 'NCHW', dtype: 'float32', size: 1024, mean: SAM_MEAN, std: SAM_STD };
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const keys = [embeddingKey(a, spec, b), embeddingKey(b, spec, b), embeddingKey(a, spec, a), embeddingKey(a, { ...spec, size: 512 }, b)];
  assert.equal(new Set(keys).size, 4);
  assert.equal(embeddingKey(a, { ...spec }, b), keys[0]);
});

test('evictions: least recently used first, until the total fits', () => {
  const entries = [
    { key: 'new', size: 40, lastUsed: 30 },
    { key: 'old', size: 40, lastUsed: 10 },
    { key: 'mid', size: 40, lastUsed: 20 },
  ];
  assert.deepEqual(evictions(entries, 120), []);
  assert.deepEqual(evictions(entries, 100), ['old']);
  assert.deepEqual(evictions(entries, 40), ['old', 'mid']);
});

test('EmbeddingCache: a read makes an entry recent; writing past the limit removes the least recent', async () => {
  const store = memoryStore();
  const size = serializeEmbeddings(embeddings(1)).length;
  const cache = new EmbeddingCache(store, size * 2);
  await cache.put('a', embeddings(1));
  await cache.put('b', embeddings(2));
  assert.equal((await cache.get('a'))?.tensors.high_res_feats_0.data[1], 1);
  await cache.put('c', embeddings(3));
  assert.deepEqual([...store.entries.keys()].sort(), ['a', 'c']);
  assert.equal(await cache.get('b'), undefined);
  // A damaged entry is a miss and is removed; an entry over the whole limit is not stored.
  store.entries.get('a')!.bytes = new Uint8Array(10);
  assert.equal(await cache.get('a'), undefined);
  assert.ok(!store.entries.has('a'));
  await new EmbeddingCache(store, 10).put('big', embeddings(4));
  assert.ok(!store.entries.has('big'));
});
