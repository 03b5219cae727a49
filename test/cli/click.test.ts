import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { encode } from 'fast-png';
import { parse } from '../../src/cli/args';
import { ClickRunner } from '../../src/cli/clickRunner';
import { clickCommand, session } from '../../src/cli/commands/click';
import { writePromptableCard } from '../../src/cli/commands/promptableCard';
import type { Io } from '../../src/cli/output';
import { decodeMask } from '../../src/core/mask/codec';
import { releasePromptableModel } from '../../src/core/model/promptable/load';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { loadNativePromptable } from '../../src/node/promptableSessions';
import { useNodeZlib } from '../../src/node/zlibCodec';
import { tempDir } from '../core/dataset/fixtures';
import { seglab, seglabWithInput } from './run';
import { expectedMask, mismatches, RADII, samTestCard, uniformImage, type Pt } from '../model/promptable/fixtures';
import { promptableModelsDir } from '../model/testModels';

before(async () => {
  useNodeZlib();
  await promptableModelsDir();
});

function capture(): { io: Io; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s), errIsTty: false }, out, err };
}

async function click(...args: string[]) {
  const c = capture();
  const code = await clickCommand.run(parse(args, clickCommand.options), c.io);
  return { code, stdout: c.out.join('\n'), stderr: c.err.join('\n') };
}

function writeImage(dir: string, width: number, height: number): string {
  const path = join(dir, `img_${width}x${height}.png`);
  writeFileSync(path, encode({ width, height, data: uniformImage(width, height).data as Uint8Array, channels: 3, depth: 8 }));
  return path;
}

const readMask = (path: string) => decodeMask(readFileSync(path), { path, classes: [] });

test('seglab card <encoder> <decoder> recognises the SAM signature and writes a card that loads', async (t) => {
  const dir = tempDir(t);
  await samTestCard(dir);
  const c = capture();
  const out = join(dir, 'written.json');
  assert.equal(await writePromptableCard(join(dir, 'sam_test.encoder.onnx'), join(dir, 'sam_test.decoder.onnx'), undefined, out, c.io), 0);
  const card = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(card.kind, 'promptable');
  assert.equal(card.family, 'sam');
  assert.equal(card.name, 'sam_test');
  assert.deepEqual(card.encoder.input, {
    name: 'image',
    layout: 'NCHW',
    dtype: 'float32',
    size: 1024,
    mean: [123.675, 116.28, 103.53],
    std: [58.395, 57.12, 57.375],
  });
  assert.match(card.encoder.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(card.embeddings, { image_embeddings: 'image_embeddings' });
  await releasePromptableModel(await loadNativePromptable(out, 1));
  // The pair swapped: the decoder is no encoder, and the error names the file.
  await assert.rejects(
    writePromptableCard(join(dir, 'sam_test.decoder.onnx'), join(dir, 'sam_test.encoder.onnx'), undefined, undefined, c.io),
    /sam_test\.encoder\.onnx: not SAM's prompt decoder signature: missing input "point_coords"/,
  );
});

test('seglab click writes the best mask of the image size as 0/1 PNG; --json prints out, score, ms', async (t) => {
  const dir = tempDir(t);
  const card = await samTestCard(dir);
  const image = writeImage(dir, 517, 301);
  const out = join(dir, 'mask.png');
  const points: Pt[] = [
    [100, 50, 1],
    [300, 200, 1],
    [110, 60, 0],
  ];
  const r = await click(image, '--model', card, '--points', points.map((p) => p.join(',')).join(' '), '--out', out, '--json', '--threads', '1');
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.out, out);
  assert.ok(Math.abs(json.score - 0.9 - 0.001 * ((200 - 123.675) / 58.395)) < 1e-5, String(json.score));
  assert.equal(typeof json.ms, 'number');
  const mask = readMask(out);
  assert.deepEqual([mask.width, mask.height], [517, 301]);
  assert.ok(mask.data.every((v) => v === 0 || v === 1));
  assert.equal(mismatches(mask.data, expectedMask(517, 301, points, RADII[1])), 0);
  // A box alone, then refined from that file: the previous mask reaches the decoder (score + area fraction).
  const boxed = await click(image, '--model', card, '--box', '400,20,500,280', '--out', join(dir, 'box.png'), '--json');
  assert.equal(mismatches(readMask(join(dir, 'box.png')).data, expectedMask(517, 301, [], RADII[1], [400, 20, 500, 280])), 0);
  const refined = JSON.parse(
    (await click(image, '--model', card, '--points', '450,150,1', '--previous', join(dir, 'box.png'), '--out', join(dir, 'r.png'), '--json')).stdout,
  );
  assert.ok(refined.score > JSON.parse(boxed.stdout).score + 0.01, `${refined.score}`);
});

test('seglab click: usage errors exit 2 naming the option; a point outside the image names the command line', async (t) => {
  const dir = tempDir(t);
  const card = await samTestCard(dir);
  const image = writeImage(dir, 33, 21);
  const cases: Array<[string[], RegExp]> = [
    [[image, '--points', '1,1,1', '--out', 'x.png'], /--model <card.json> is required/],
    [[image, '--model', card, '--out', 'x.png'], /give --points and\/or --box/],
    [[image, '--model', card, '--points', '1,1,2', '--out', 'x.png'], /--points item 1 "1,1,2": expected \[x, y, label\]/],
    [[image, '--model', card, '--box', '1,2,3', '--out', 'x.png'], /--box "1,2,3": expected \[x0, y0, x1, y1\]/],
    [['--session', image, '--model', card], /--session takes its images and prompts from stdin/],
  ];
  for (const [args, message] of cases) await assert.rejects(click(...args), message, args.join(' '));
  await assert.rejects(
    click(image, '--model', card, '--points', '40,3,1', '--out', join(dir, 'o.png')),
    /the command line: point \(40, 3\) is outside the 33x21 image/,
  );
});

test('seglab click --session: one answer line per request, embeddings kept, bad requests answered with an error', async (t) => {
  const dir = tempDir(t);
  const model = await loadNativePromptable(await samTestCard(dir), 1);
  const image = writeImage(dir, 301, 517);
  const out = (n: string) => join(dir, n);
  const lines = [
    JSON.stringify({ image, points: [[100, 50, 1]], out: out('a.png') }),
    '{"image": 3}',
    JSON.stringify({ image, points: [[150, 300, 1]], previous: out('a.png'), out: out('b.png') }),
    '',
    JSON.stringify({ image: out('missing.png'), points: [[1, 1, 1]], out: out('c.png') }),
    JSON.stringify({ image, points: [[1, 1, 1]], out: out('d.png'), color: 'red' }),
  ];
  const c = capture();
  try {
    await session(
      new ClickRunner(model, new NodeFileSystem()),
      (async function* () {
        yield* lines;
      })(),
      c.io,
    );
  } finally {
    await releasePromptableModel(model);
  }
  const answers = c.out.map((l) => JSON.parse(l));
  assert.deepEqual(
    answers.map((a) => a.line),
    [1, 2, 3, 5, 6],
  );
  assert.ok(answers[0].encodeMs > 0);
  assert.equal(answers[2].encodeMs, 0);
  assert.equal(answers[1].error, 'image: expected a file path, got 3');
  assert.match(answers[3].error, /missing\.png: no such image/);
  assert.match(answers[4].error, /unknown field color/);
  // The second request refined the first from its exact low-resolution logits: area fraction of a radius-20 disk.
  assert.ok(answers[2].score > answers[0].score, JSON.stringify(answers));
  assert.equal(mismatches(readMask(out('a.png')).data, expectedMask(301, 517, [[100, 50, 1]], RADII[1])), 0);
  assert.equal(mismatches(readMask(out('b.png')).data, expectedMask(301, 517, [[150, 300, 1]], RADII[1])), 0);
});

test('seglab click --cache: a second process finds the embeddings on disk; the size limit evicts the least recent', async (t) => {
  const dir = tempDir(t);
  const card = await samTestCard(dir);
  const cache = join(dir, 'cache');
  const [a, b] = [writeImage(dir, 517, 301), writeImage(dir, 301, 517)];
  const run = async (image: string, mb = '100') =>
    JSON.parse((await click(image, '--model', card, '--points', '10,10,1', '--out', join(dir, 'm.png'), '--json', '--cache', cache, '--cache-mb', mb)).stdout);
  assert.equal((await run(a)).embeddings, 'encoder');
  const again = await run(a);
  assert.equal(again.embeddings, 'disk');
  assert.equal(again.encodeMs, 0);
  assert.equal(readdirSync(cache).filter((f) => f.endsWith('.emb')).length, 1);
  // One embedding is 4.2 MB: a 5 MB limit keeps only the latest image.
  assert.equal((await run(b, '5')).embeddings, 'encoder');
  assert.equal(readdirSync(cache).filter((f) => f.endsWith('.emb')).length, 1);
  assert.equal((await run(a, '5')).embeddings, 'encoder');
});

test('the real CLI: seglab card <encoder> <decoder> --out, then seglab click --session over stdin', async (t) => {
  const dir = tempDir(t);
  await samTestCard(dir);
  const card = join(dir, 'pair.json');
  const made = await seglab('card', join(dir, 'sam_test.encoder.onnx'), join(dir, 'sam_test.decoder.onnx'), '--out', card);
  assert.equal(made.code, 0, made.stderr);
  const image = writeImage(dir, 517, 301);
  const requests = [
    JSON.stringify({ image, points: [[100, 50, 1]], out: join(dir, 'a.png') }),
    'not json',
    JSON.stringify({
      image,
      points: [
        [100, 50, 1],
        [110, 60, 0],
      ],
      previous: join(dir, 'a.png'),
      out: join(dir, 'b.png'),
    }),
  ];
  const r = await seglabWithInput(requests.join('\n') + '\n', 'click', '--session', '--model', card, '--threads', '1');
  assert.equal(r.code, 0, r.stderr);
  const answers = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(answers.length, 3);
  assert.equal(answers[0].embeddings, 'encoder');
  assert.match(answers[1].error, /^not valid JSON/);
  assert.equal(answers[2].embeddings, 'memory');
  assert.equal(
    mismatches(
      readMask(join(dir, 'b.png')).data,
      expectedMask(
        517,
        301,
        [
          [100, 50, 1],
          [110, 60, 0],
        ],
        RADII[1],
      ),
    ),
    0,
  );
  const bad = await seglab('click', image, '--model', card, '--points', '600,3,1', '--out', join(dir, 'c.png'), '--json');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /the command line: point \(600, 3\) is outside the 517x301 image/);
});
