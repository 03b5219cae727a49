/**
 * `seglab embed` (Prepare Smart Select from the command line) as a real process with the known-answer
 * pair: every image's embeddings go to the cache folder under the host's keys (a second run computes
 * none), an image that does not decode is named and the others go on; --check answers the keys'
 * prefix and the images without running; bad command lines and cards exit 2.
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
  assert.deepEqual(JSON.parse(first.stdout), { model: 'sam_test', computed: unlabeled.length, cached: 0, failed: [], cache });
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
  assert.equal((await seglab('embed', root, '--model', card, '--cache', dir, '--encoder', moved)).code, 2, '--encoder goes with --check');
  const badCard = join(dir, 'bad.json');
  writeFileSync(badCard, JSON.stringify({ ...JSON.parse(readFileSync(card, 'utf8')), encoder: { file: 'x.onnx', input: { name: 'image', layout: 'CHW' } } }));
  const bad = await seglab('embed', root, '--model', badCard, '--check', '--json');
  assert.equal(bad.code, 2);
  assert.match(JSON.parse(bad.stdout).error, /encoder\.input\.layout: expected one of "NCHW", "HWC", got "CHW"/);
});
