/**
 * `seglab embed` (Prepare Smart Select from the command line) as a real process with the known-answer
 * pair: every image's embeddings go to the cache folder under the host's keys (a second run computes
 * none), an image that does not decode is named and the others go on; --check answers the keys'
 * prefix and the images without running; bad command lines and cards exit 2; as a training
 * service's shard (--stems, --encoder, --progress) it reports each stem's key and a done line.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { sha256Hex } from '../../src/core/hash';
import { parsePromptableCard } from '../../src/core/model/promptable/card';
import { deserializeEmbeddings, embeddingKey, embeddingKeyPrefix } from '../../src/core/model/promptable/embeddingCache';
import { tempDir } from '../core/dataset/fixtures';
import { promptableModelsDir } from '../model/testModels';
import { makeShapesDataset } from '../training/fixtures';
import { seglab } from './run';

let models: string;
before(async () => {
  models = await promptableModelsDir();
});

/** The pair's copies and its card (`seglab card`) in `dir`; the card's path. */
async function pair(dir: string): Promise<string> {
  for (const part of ['encoder', 'decoder']) copyFileSync(join(models, `sam_test.${part}.onnx`), join(dir, `sam_test.${part}.onnx`));
  const card = join(dir, 'sam_test.json');
  const made = await seglab('card', join(dir, 'sam_test.encoder.onnx'), join(dir, 'sam_test.decoder.onnx'), '--out', card);
  assert.equal(made.code, 0, made.stderr);
  return card;
}

test('seglab embed fills the cache folder under the host keys, once, naming an image it cannot decode', async (t) => {
  const dir = tempDir(t);
  const card = await pair(dir);
  const root = join(dir, 'ds');
  const { labeled, unlabeled } = makeShapesDataset(root, 2, 2);
  const cache = join(dir, 'cache');
  const first = await seglab('embed', root, '--model', card, '--cache', cache, '--only-unlabeled', '--json');
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout), {
    model: 'sam_test',
    provider: 'cpu',
    computed: unlabeled.length,
    cached: 0,
    failed: [],
    cancelled: false,
    cache,
  });
  writeFileSync(join(root, 'images', 'broken.png'), 'not a PNG');
  const all = await seglab('embed', root, '--model', card, '--cache', cache, '--json');
  assert.equal(all.code, 1);
  const report = JSON.parse(all.stdout);
  assert.deepEqual([report.computed, report.cached], [labeled.length, unlabeled.length]);
  assert.match(report.failed[0].path, /broken\.png$/);
  assert.match(all.stderr, /broken\.png: /);
  const spec = parsePromptableCard(readFileSync(card, 'utf8'), card);
  assert.equal(spec.family, 'sam');
  if (spec.family !== 'sam') return;
  const encoderSha = await sha256Hex(readFileSync(join(dir, 'sam_test.encoder.onnx')));
  for (const stem of [...labeled, ...unlabeled]) {
    const image = readFileSync(join(root, 'images', `${stem}.png`));
    const key = embeddingKey(encoderSha, spec.encoder.input, await sha256Hex(image));
    const embeddings = deserializeEmbeddings(readFileSync(join(cache, `${key}.emb`)), key);
    assert.deepEqual(embeddings.tensors.image_embeddings.dims, [1, 256, 64, 64]);
  }
  assert.equal(readdirSync(cache).length, 4);
});

test('seglab embed --check answers the keys’ prefix and the images; bad command lines and cards exit 2', async (t) => {
  const dir = tempDir(t);
  const card = await pair(dir);
  const root = join(dir, 'ds');
  const { unlabeled } = makeShapesDataset(root, 1, 2);
  const check = await seglab('embed', root, '--model', card, '--check', '--only-unlabeled', '--json');
  assert.equal(check.code, 0, check.stderr);
  const answer = JSON.parse(check.stdout);
  const spec = parsePromptableCard(readFileSync(card, 'utf8'), card);
  if (spec.family !== 'sam') throw new Error('not a SAM card');
  const encoderSha = await sha256Hex(readFileSync(join(dir, 'sam_test.encoder.onnx')));
  assert.equal(answer.model.keyPrefix, embeddingKeyPrefix(encoderSha, spec.encoder.input));
  assert.deepEqual(answer.model.input, spec.encoder.input);
  assert.deepEqual(
    answer.images,
    unlabeled.map((stem) => ({ stem, image: `images/${stem}.png` })),
  );
  const moved = join(dir, 'model.onnx'); // the service keeps the encoder under another name
  copyFileSync(join(dir, 'sam_test.encoder.onnx'), moved);
  assert.equal(
    JSON.parse((await seglab('embed', root, '--model', card, '--check', '--encoder', moved, '--json')).stdout).model.keyPrefix,
    answer.model.keyPrefix,
  );

  assert.equal((await seglab('embed', root, '--model', card)).code, 2, '--cache is required');
  assert.equal((await seglab('embed', root, '--model', card, '--cache', dir, '--device', 'gpu')).code, 2, '--device cpu|cuda');
  const badCard = join(dir, 'bad.json');
  writeFileSync(badCard, JSON.stringify({ ...JSON.parse(readFileSync(card, 'utf8')), encoder: { file: 'x.onnx', input: { name: 'image', layout: 'CHW' } } }));
  const bad = await seglab('embed', root, '--model', badCard, '--check', '--json');
  assert.equal(bad.code, 2);
  assert.match(JSON.parse(bad.stdout).error, /encoder\.input\.layout: expected one of "NCHW", "HWC", got "CHW"/);
});

test('seglab embed as a service shard: --stems, --encoder under another name, --progress lines with each stem’s key; --device cuda is never a silent CPU run', async (t) => {
  const dir = tempDir(t);
  const card = await pair(dir);
  const root = join(dir, 'ds');
  const { labeled, unlabeled } = makeShapesDataset(root, 2, 1);
  const moved = join(dir, 'model.onnx');
  copyFileSync(join(dir, 'sam_test.encoder.onnx'), moved);
  const stems = join(dir, '0.txt');
  const wanted = [labeled[1], unlabeled[0]];
  writeFileSync(join(root, 'images', 'broken.png'), 'not a PNG');
  writeFileSync(stems, [...wanted, 'broken'].map((s) => `${s}\n`).join(''));
  const cache = join(dir, 'out');
  const progress = join(dir, '0.jsonl');
  const args = ['embed', root, '--model', card, '--encoder', moved, '--cache', cache, '--stems', stems, '--progress', progress, '--json'];
  const run = await seglab(...args);
  assert.equal(run.code, 1, 'the broken image failed');
  const lines = readFileSync(progress, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.slice(0, -1).map((l) => [l.type, l.done, l.total, l.stem, typeof l.key]),
    [...wanted, 'broken'].sort().map((stem, i) => ['progress', i + 1, 3, stem, stem === 'broken' ? 'undefined' : 'string']),
  );
  for (const l of lines.slice(0, -1)) if (l.key) assert.ok(readdirSync(cache).includes(`${l.key}.emb`));
  const done = lines.at(-1);
  assert.deepEqual([done.type, done.written, done.skipped, done.cancelled, done.provider], ['done', 2, 0, false, 'cpu']);
  assert.deepEqual(
    done.failed.map((f: { path: string; stem: string }) => [f.path, f.stem]),
    [['images/broken.png', 'broken']],
  );
  assert.ok(!done.failed[0].message.includes(root), 'no server paths in the progress file');
  await seglab(...args);
  const again = readFileSync(progress, 'utf8').trim().split('\n').at(-1) ?? '';
  assert.deepEqual([JSON.parse(again).written, JSON.parse(again).skipped], [0, 2], 'a re-run shard skips what it wrote');

  const cuda = await seglab('embed', root, '--model', card, '--cache', join(dir, 'cuda'), '--device', 'cuda', '--json');
  if (cuda.code === 0) assert.equal(JSON.parse(cuda.stdout).provider, 'cuda');
  else {
    assert.equal(cuda.code, 1);
    assert.match(JSON.parse(cuda.stdout).error, /CUDA was asked for, and this onnxruntime-node cannot run it/);
    assert.deepEqual(readdirSync(dir).includes('cuda') ? readdirSync(join(dir, 'cuda')) : [], [], 'nothing computed on the CPU instead');
  }
});
