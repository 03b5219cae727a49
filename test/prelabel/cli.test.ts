import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { parse } from '../../src/cli/args';
import { prelabelCommand } from '../../src/cli/commands/prelabel';
import type { Io } from '../../src/cli/output';
import { tempDir } from '../core/dataset/fixtures';
import { testModelsDir } from '../model/testModels';
import { copyModel, makeDataset } from './fixtures';

/** Runs `seglab prelabel` in-process (the bundled CLI loads ONNX Runtime from node_modules the same way). */
async function prelabel(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), errIsTty: false };
  const code = await prelabelCommand.run(parse(args, prelabelCommand.options), io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

let models: string;
before(async () => {
  models = await testModelsDir();
});

test('seglab prelabel --json writes the predictions and reports them', async (t) => {
  const root = tempDir(t);
  const { unlabeled } = makeDataset(root, 3, 1);
  const model = copyModel(models, 'segformer', join(root, 'models'));
  const r = await prelabel(root, '--model', model, '--only-unlabeled', '--json', '--threads', '1');
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.model.name, 'segformer');
  assert.equal(json.model.provider, 'cpu');
  assert.match(json.model.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(json.model.defaults, []);
  assert.equal(json.outDir, join(root, 'predictions', 'segformer'));
  assert.deepEqual(json.written, unlabeled);
  assert.deepEqual(
    readdirSync(json.outDir)
      .filter((f) => f.endsWith('.png'))
      .sort(),
    unlabeled.map((s) => `${s}.png`),
  );
  const again = JSON.parse((await prelabel(root, '--model', model, '--only-unlabeled', '--json')).stdout);
  assert.deepEqual(again.skipped, unlabeled);
  assert.deepEqual(again.written, []);
});

test('seglab prelabel --out; a card-less model names its defaults on stderr', async (t) => {
  const root = tempDir(t);
  makeDataset(root, 2, 0);
  const out = join(root, 'elsewhere');
  const r = await prelabel(root, '--model', copyModel(models, 'unet_nocard', join(root, 'models')), '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /default: no model card: ImageNet mean\/std on 0-1 RGB input/);
  assert.match(r.stdout, /2 written, 0 already predicted by this model, 0 failed/);
  assert.ok(existsSync(join(out, 'img000.png')));
});

test('seglab prelabel: a card whose classes do not match the dataset fails naming the card', async (t) => {
  const root = tempDir(t);
  makeDataset(root, 1, 0);
  const model = copyModel(models, 'fcn', join(root, 'models'));
  const cardPath = model.replace(/\.onnx$/, '.json');
  const card = JSON.parse(readFileSync(cardPath, 'utf8'));
  card.classes[2].name = 'mitochondrion';
  writeFileSync(cardPath, JSON.stringify(card));
  await assert.rejects(
    prelabel(root, '--model', model),
    (e: Error) => e.message.startsWith(cardPath) && /"mitochondrion" in the model but "nucleus" in the dataset/.test(e.message),
  );
});
