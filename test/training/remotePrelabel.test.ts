/**
 * Pre-labeling on the training backend against the real service (python -m seglab_trainer serve),
 * which runs SegLab's own pre-labeler: `seglab prelabel --backend` writes the same masks and
 * manifest as a local run; a cancelled run keeps complete masks with their records; a model
 * without a card is refused naming the card's path.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDataset } from '../../src/core/dataset/datasetIndex';
import { ConfigError } from '../../src/core/errors';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { TrainingClient } from '../../src/training/client';
import { followJob } from '../../src/training/events';
import { prelabelOnBackend } from '../../src/training/remotePrelabel';
import { makeShapesDataset, serviceUnavailable, startService, type Service } from './fixtures';

const fs = new NodeFileSystem();
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const unavailable = serviceUnavailable() ?? (existsSync(CLI) ? undefined : 'needs dist/cli.js (npm run build): the service runs it');

const pngs = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.png'))
    .sort();
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, '.seglab-model.json'), 'utf8')) as { sha256: string; images: Record<string, unknown> };

describe('pre-labeling on the training backend', { skip: unavailable }, () => {
  let tmp: string;
  let service: Service;
  let client: TrainingClient;
  let model: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'seglab-remote-prelabel-'));
    service = await startService(join(tmp, 'service'));
    client = new TrainingClient(service.url, service.token);
    makeShapesDataset(join(tmp, 'train'), 8, 0);
    const index = await loadDataset(fs, join(tmp, 'train'));
    const { packageDataset, splitLabeled } = await import('../../src/training/packageDataset');
    const dataset = await client.uploadDataset(await packageDataset(fs, index, splitLabeled(index)));
    const job = await client.createJob({ dataset: dataset.id, arch: 'unet', unetBase: 8, unetDepth: 2, imageSize: 64, batchSize: 4, epochs: 2 });
    const end = await followJob(client, job.id, () => undefined);
    assert.equal(end.state, 'succeeded', end.error ?? '');
    model = join(tmp, 'shapes.onnx');
    writeFileSync(model, await client.artifact(job.id, 'model.onnx'));
    writeFileSync(join(tmp, 'shapes.json'), await client.artifact(job.id, 'model.json'));
  });
  after(async () => {
    await service?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('seglab prelabel --backend writes the masks and manifest of a local run', async () => {
    const root = join(tmp, 'ds');
    makeShapesDataset(root, 3, 6);
    const run = (...args: string[]) =>
      spawnSync('node', [CLI, 'prelabel', root, '--model', model, '--only-unlabeled', '--tile', '64', '--json', ...args], {
        encoding: 'utf8',
        env: { ...process.env, SEGLAB_TOKEN: service.token },
      });
    const remote = run('--backend', service.url);
    assert.equal(remote.status, 0, remote.stderr);
    const result = JSON.parse(remote.stdout) as { outDir: string; received: string[]; state: string };
    assert.equal(result.state, 'succeeded');
    assert.equal(result.received.length, 6);
    const local = run('--out', join(tmp, 'local'));
    assert.equal(local.status, 0, local.stderr);
    assert.deepEqual(pngs(result.outDir), pngs(join(tmp, 'local')));
    for (const name of pngs(result.outDir)) assert.deepEqual(readFileSync(join(result.outDir, name)), readFileSync(join(tmp, 'local', name)), name);
    const [mine, theirs] = [manifestOf(result.outDir), manifestOf(join(tmp, 'local'))];
    assert.equal(mine.sha256, theirs.sha256);
    assert.deepEqual(mine.images, theirs.images);
    // the same model file locally now skips every image the backend predicted
    const again = JSON.parse(run('--out', result.outDir).stdout) as { skipped: string[] };
    assert.equal(again.skipped.length, 6);
  });

  test('a cancelled run keeps every mask that arrived, each with its record', async () => {
    const root = join(tmp, 'many');
    makeShapesDataset(root, 0, 40);
    const controller = new AbortController();
    const result = await prelabelOnBackend(
      fs,
      await loadDataset(fs, root),
      client,
      { path: model, cardPath: join(tmp, 'shapes.json') },
      { signal: controller.signal, onProgress: (p) => p.stage === 'predict' && p.done >= 2 && controller.abort() },
    );
    assert.equal(result.cancelled, true);
    assert.ok(['cancelled', 'succeeded'].includes(result.state), result.state);
    assert.deepEqual(pngs(result.outDir), result.received.map((s) => `${s}.png`).sort());
    assert.deepEqual(Object.keys(manifestOf(result.outDir).images).sort(), [...result.received].sort());
  });

  test('a model without its card is refused, naming the card', async () => {
    const bare = join(tmp, 'bare.onnx');
    copyFileSync(model, bare);
    const root = join(tmp, 'ds');
    await assert.rejects(
      prelabelOnBackend(fs, await loadDataset(fs, root), client, { path: bare, cardPath: join(tmp, 'bare.json') }),
      (e: unknown) => e instanceof ConfigError && e.path === join(tmp, 'bare.json'),
    );
  });
});
