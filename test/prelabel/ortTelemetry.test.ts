// onnxruntime-node writes a device id and a telemetry queue under
// ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ unless ORT_DISABLE_TELEMETRY=1 is set before it
// loads: a real `seglab prelabel` process with a fresh HOME must leave nothing there.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../core/dataset/fixtures';
import { testModelsDir } from '../model/testModels';
import { copyModel, makeDataset } from './fixtures';

test('seglab prelabel with a fresh HOME writes no ONNX Runtime telemetry', async (t) => {
  const root = tempDir(t);
  const home = join(root, 'home');
  mkdirSync(home);
  const { unlabeled } = makeDataset(join(root, 'data'), 2, 0);
  const model = copyModel(await testModelsDir(), 'unet', join(root, 'models'));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  for (const key of ['ORT_DISABLE_TELEMETRY', 'XDG_CACHE_HOME']) delete env[key];
  const cli = resolve(__dirname, '..', '..', 'src', 'cli', 'main.ts');
  const r = await new Promise<{ code: number; stderr: string }>((done) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', cli, 'prelabel', join(root, 'data'), '--model', model, '--threads', '1'],
      { env },
      (error, _stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    ),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readdirSync(join(root, 'data', 'predictions', 'unet')).filter((f) => f.endsWith('.png')).length, unlabeled.length);
  assert.ok(!existsSync(join(home, '.cache', 'Microsoft')), `ONNX Runtime wrote ${join(home, '.cache', 'Microsoft')}`);
});
