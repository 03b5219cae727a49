/**
 * "Train as you label" rounds on the real service (python -m seglab_trainer serve, Debian's CPU
 * PyTorch): a round from a model that learned nothing brings back a better one, measured with
 * SegLab's own mIoU on the val images; a round on labels that went wrong brings back a worse one,
 * which the verdict keeps out.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDataset } from '../../src/core/dataset/datasetIndex';
import type { DatasetIndex, ImageEntry } from '../../src/core/dataset/types';
import { loadModel } from '../../src/core/model/load';
import { modelMiou } from '../../src/core/model/modelMiou';
import { BUDGET_EPOCH_CAP } from '../../src/core/training/runTime';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { createNativeBackend } from '../../src/node/onnxBackends';
import { TrainingClient, type JobParams } from '../../src/training/client';
import { runRound } from '../../src/training/continuousRound';
import type { StoredModel } from '../../src/training/downloadModel';
import { fineTune } from '../../src/training/fineTune';
import { splitLabeled } from '../../src/training/packageDataset';
import { indexedMask, writeFile } from '../core/dataset/fixtures';
import { makeShapesDataset, serviceUnavailable, startService, type Service } from './fixtures';

const fs = new NodeFileSystem();
const TINY: Omit<JobParams, 'dataset'> = { arch: 'unet', unetBase: 8, unetDepth: 2, imageSize: 64, batchSize: 4 };
/** Each round's time budget: half a minute, start-up included. */
const MINUTES = 0.5;

async function miouOf(index: DatasetIndex, onnxPath: string, val: readonly ImageEntry[]): Promise<number | null> {
  const { classes, ignoreIndex } = index.config;
  const loaded = await loadModel({ fs, createBackend: (b) => createNativeBackend(b, { threads: 1 }) }, onnxPath, { classes, ignoreIndex, path: index.root });
  try {
    return await modelMiou(fs, index, val, loaded);
  } finally {
    await loaded.backend.release();
  }
}

describe('train as you label: a round', { skip: serviceUnavailable() }, () => {
  let root: string;
  let dataDir: string;
  let service: Service;
  let client: TrainingClient;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'seglab-round-ds-'));
    dataDir = mkdtempSync(join(tmpdir(), 'seglab-round-svc-'));
    makeShapesDataset(root, 16, 2);
    service = await startService(dataDir);
    client = new TrainingClient(service.url, service.token);
  });
  after(async () => {
    await service?.stop();
    for (const dir of [root, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function round(index: DatasetIndex, active: StoredModel, modelName: string, lines: string[]) {
    const measured: Array<{ model: string; val: string[]; miou: number | null }> = [];
    const result = await runRound({
      client,
      fs,
      index,
      active: { name: active.name, card: active.card },
      modelName,
      minutes: MINUTES,
      measure: async (model, val) => {
        const miou = await miouOf(index, (model ?? active).onnxPath, val);
        measured.push({ model: (model ?? active).name, val: val.map((e) => e.stem), miou });
        return miou;
      },
      hooks: { log: (l) => lines.push(l) },
    });
    assert.equal(result.job.state, 'succeeded', `${result.job.error ?? ''}\n${lines.join('\n')}`);
    return { ...result, measured };
  }

  test("continues the active model's job for a time budget; a better model is to be activated, a worse one not", async () => {
    let index = await loadDataset(fs, root);
    const lines: string[] = [];
    // The active model: one epoch at a learning rate too small to learn anything.
    const start = await fineTune(client, fs, index, { ...TINY, epochs: 1, lr: 1e-7 }, 'start', { log: (l) => lines.push(l) });
    assert.ok(start.model, `${start.job.error ?? ''}\n${lines.join('\n')}`);

    const better = await round(index, start.model, 'round-1', lines);
    assert.equal(better.job.initJob, start.job.id, "the round continues the active model's own job");
    assert.equal(better.job.params.epochs, BUDGET_EPOCH_CAP, 'no epoch count: the time budget and early stopping end it');
    assert.equal(better.job.params.minutes, MINUTES, 'within a time budget');
    assert.equal(better.job.params.imageSize, 64, 'at the crop size the active model was trained at');
    const val = splitLabeled(index).val.map((e) => e.stem);
    assert.deepEqual(
      better.measured.map((m) => [m.model, m.val]),
      [
        ['start', val],
        ['round-1', val],
      ],
      'both models on the same val images',
    );
    const [before, after] = better.measured.map((m) => m.miou ?? 0);
    assert.ok(after > before, `round-1 ${after} vs start ${before}\n${lines.join('\n')}`);
    assert.equal(better.verdict?.activate, true, better.verdict?.reason);

    // Labels gone wrong: every training mask says background; the val masks stay true.
    for (const e of splitLabeled(index).train) writeFile(join(root, e.mask ?? ''), indexedMask(64, 64, new Uint8Array(64 * 64)));
    index = await loadDataset(fs, root);
    assert.deepEqual(
      splitLabeled(index).val.map((e) => e.stem),
      val,
      'the val split does not move',
    );
    // New weights built like round-1 (its card without the job it came from): continuing round-1's job
    // would keep round-1's val mIoU at the first epoch (the trainer keeps the best epoch by val mIoU,
    // and the first epoch warms up), so only fresh weights on wrong labels make a reliably worse model.
    const card = { ...better.model!.card, training: { ...(better.model!.card.training as object), job: undefined } };
    const worse = await round(index, { ...better.model!, card }, 'round-2', lines);
    assert.equal(worse.job.initJob ?? null, null);
    assert.equal(worse.verdict?.activate, false, worse.verdict?.reason);
    assert.ok((worse.verdict?.delta ?? 0) < 0, worse.verdict?.reason);
    assert.match(worse.verdict?.reason ?? '', /^round-2: val mIoU [\d.]+ is not above round-1's [\d.]+ \(-[\d.]+\)$/);
  });
});
