/**
 * Prepare Smart Select on the training backend against the real service (its shards run `seglab embed`,
 * the known-answer pair's encoder on onnxruntime-node): the embeddings that enter the cache are the files the host's own
 * encoder writes (`seglab embed --cache`), byte for byte; images already cached are not uploaded;
 * a cancelled run keeps what arrived and the next run sends only the rest; `seglab embed --backend`
 * writes the files a run here writes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDataset } from '../../src/core/dataset/datasetIndex';
import { sha256Hex } from '../../src/core/hash';
import { parsePromptableCard, type SamCard } from '../../src/core/model/promptable/card';
import { EmbeddingCache } from '../../src/core/model/promptable/embeddingCache';
import { folderEmbeddingStore } from '../../src/node/embeddingStore';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { createNativeSession } from '../../src/node/promptableSessions';
import { TrainingClient } from '../../src/training/client';
import { embeddingsOnBackend, type EmbeddingSink, type RemoteEncoder } from '../../src/training/remoteEmbeddings';
import { promptableModelsDir } from '../model/testModels';
import { makeShapesDataset, serviceUnavailable, startService, type Service } from './fixtures';

const fs = new NodeFileSystem();
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const unavailable = serviceUnavailable() ?? (existsSync(CLI) ? undefined : 'needs dist/cli.js (npm run build): the service runs it');

const embFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.emb')) : []).sort();

function folderSink(dir: string): EmbeddingSink {
  const cache = new EmbeddingCache(folderEmbeddingStore(dir), 1 << 30);
  return { has: async (key) => existsSync(join(dir, `${key}.emb`)), put: (key, e) => cache.put(key, e) };
}

describe('Prepare Smart Select on the training backend', { skip: unavailable }, () => {
  let tmp: string;
  let service: Service;
  let client: TrainingClient;
  let encoder: RemoteEncoder;
  let cardPath: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'seglab-remote-embeddings-'));
    service = await startService(join(tmp, 'service'));
    client = new TrainingClient(service.url, service.token);
    const models = join(tmp, 'pair'); // the card goes next to its files: copies, not the shared build
    mkdirSync(models);
    for (const part of ['encoder', 'decoder']) copyFileSync(join(await promptableModelsDir(), `sam_test.${part}.onnx`), join(models, `sam_test.${part}.onnx`));
    const made = spawnSync('node', [CLI, 'card', join(models, 'sam_test.encoder.onnx'), join(models, 'sam_test.decoder.onnx')], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    cardPath = join(models, 'sam_test.json');
    await fs.writeFileAtomic(cardPath, new TextEncoder().encode(made.stdout));
    const encoderBytes = readFileSync(join(models, 'sam_test.encoder.onnx'));
    const session = await createNativeSession(encoderBytes, 1);
    encoder = {
      card: parsePromptableCard(made.stdout, cardPath) as SamCard,
      cardBytes: new TextEncoder().encode(made.stdout),
      encoderBytes,
      encoderSha256: await sha256Hex(encoderBytes),
      outputs: session.io.outputs,
    };
    await session.release();
  });
  after(async () => {
    await service?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('the cache gets the host encoder’s files; cached images stay home', async () => {
    const root = join(tmp, 'ds');
    makeShapesDataset(root, 2, 3);
    const index = await loadDataset(fs, root);
    const host = join(tmp, 'host');
    const ref = spawnSync('node', [CLI, 'embed', root, '--model', cardPath, '--cache', host], { encoding: 'utf8' });
    assert.equal(ref.status, 0, ref.stderr);
    const cache = join(tmp, 'cache');
    const first = await embeddingsOnBackend(fs, index, index.images.slice(0, 2), client, encoder, folderSink(cache));
    assert.deepEqual([first.state, first.received.length, first.cached, first.failed], ['succeeded', 2, 0, []]);
    assert.equal(first.provider, 'cpu');
    const all = await embeddingsOnBackend(fs, index, index.images, client, encoder, folderSink(cache));
    assert.deepEqual([all.received.length, all.cached, all.failed], [3, 2, []]);
    const job = await client.prediction(all.jobId!);
    assert.equal(job.total, 3, 'only the images not cached went to the backend');
    assert.deepEqual(embFiles(cache), embFiles(host));
    for (const name of embFiles(host)) assert.deepEqual(readFileSync(join(cache, name)), readFileSync(join(host, name)), name);
    const again = await embeddingsOnBackend(fs, index, index.images, client, encoder, folderSink(cache));
    assert.deepEqual([again.jobId, again.received.length, again.cached], [undefined, 0, 5]);
  });

  test('seglab embed --backend fills the cache folder with the files of a run here', () => {
    const root = join(tmp, 'cli');
    makeShapesDataset(root, 1, 2);
    const embed = (cache: string, ...flags: string[]) =>
      spawnSync('node', [CLI, 'embed', root, '--model', cardPath, '--cache', cache, '--json', ...flags], {
        encoding: 'utf8',
        env: { ...process.env, SEGLAB_TOKEN: service.token },
      });
    const here = embed(join(tmp, 'cli-here'));
    assert.equal(here.status, 0, here.stderr);
    const there = embed(join(tmp, 'cli-there'), '--backend', service.url);
    assert.equal(there.status, 0, there.stderr);
    const report = JSON.parse(there.stdout);
    assert.deepEqual([report.state, report.received.length, report.cached, report.failed], ['succeeded', 3, 0, []]);
    assert.deepEqual(embFiles(join(tmp, 'cli-there')), embFiles(join(tmp, 'cli-here')));
    for (const name of embFiles(join(tmp, 'cli-here')))
      assert.deepEqual(readFileSync(join(tmp, 'cli-there', name)), readFileSync(join(tmp, 'cli-here', name)), name);
    const again = embed(join(tmp, 'cli-there'), '--backend', service.url);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual([JSON.parse(again.stdout).jobId, JSON.parse(again.stdout).cached], [undefined, 3]);
  });

  test('a cancelled run keeps the embeddings that arrived; the next one sends the rest', async () => {
    const root = join(tmp, 'many');
    makeShapesDataset(root, 0, 40);
    const index = await loadDataset(fs, root);
    const cache = join(tmp, 'cache-many');
    const controller = new AbortController();
    const cut = await embeddingsOnBackend(fs, index, index.images, client, encoder, folderSink(cache), {
      signal: controller.signal,
      onProgress: ({ stage, done }) => stage === 'predict' && done >= 3 && controller.abort(),
    });
    assert.equal(cut.cancelled, true);
    assert.equal(cut.state, 'cancelled');
    assert.ok(cut.received.length >= 3 && cut.received.length < 40, `${cut.received.length} arrived`);
    assert.equal(embFiles(cache).length, cut.received.length);
    const rest = await embeddingsOnBackend(fs, index, index.images, client, encoder, folderSink(cache));
    assert.deepEqual([rest.cached, rest.received.length, rest.state], [cut.received.length, 40 - cut.received.length, 'succeeded']);
    assert.equal(embFiles(cache).length, 40);
  });
});
