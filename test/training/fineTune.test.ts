/**
 * The extension's training client against the real service (python -m seglab_trainer serve on
 * Debian's CPU PyTorch): package, upload, submit, follow, download, store, then the pre-labeling
 * pipeline scores the returned model against a starting model on the training images.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDataset } from '../../src/core/dataset/datasetIndex';
import type { DatasetIndex } from '../../src/core/dataset/types';
import { decodeMask } from '../../src/core/mask/codec';
import { ConfusionMatrix } from '../../src/core/metrics/confusion';
import { computeScores } from '../../src/core/metrics/scores';
import { decodeImage } from '../../src/core/model/image';
import { parseModelCard } from '../../src/core/model/card';
import { loadModel } from '../../src/core/model/load';
import { predict } from '../../src/core/model/pipeline';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { createNativeBackend } from '../../src/node/onnxBackends';
import { TrainingClient, TrainingError, type JobParams } from '../../src/training/client';
import { curvesFromCard } from '../../src/training/curves';
import { downloadClickModel, downloadModel, verifyDownload } from '../../src/training/downloadModel';
import { loadNativePromptable } from '../../src/node/promptableSessions';
import { releasePromptableModel } from '../../src/core/model/promptable/load';
import { sha256Hex } from '../../src/core/hash';
import { startBackendProcess } from '../../src/training/backendProcess';
import { clickJobParams, clickStart, fineTune, sigmoidExport, startingPoint, submitJob, watchJob } from '../../src/training/fineTune';
import { CLASSES, freePort, makeShapesDataset, PYTHON, serviceUnavailable, startService, type Service } from './fixtures';

const fs = new NodeFileSystem();
const unavailable = serviceUnavailable();
const TINY: Omit<JobParams, 'dataset'> = { arch: 'unet', unetBase: 8, unetDepth: 2, imageSize: 64, batchSize: 4 };

/** Dataset-level mIoU of a stored model's predictions on the labeled images (core metrics). */
async function miouOf(index: DatasetIndex, onnxPath: string): Promise<number> {
  const loaded = await loadModel({ fs, createBackend: (b) => createNativeBackend(b, { threads: 1 }) }, onnxPath, {
    classes: index.config.classes,
    ignoreIndex: 255,
    path: index.root,
  });
  try {
    const cm = new ConfusionMatrix(CLASSES.length, 255);
    for (const e of index.images.filter((i) => i.mask)) {
      const image = await decodeImage(await fs.readFile(join(index.root, e.image)), e.image);
      const pred = await predict(image, loaded.model, loaded.backend);
      const gt = decodeMask(await fs.readFile(join(index.root, e.mask ?? '')), { path: e.mask ?? '', classes: CLASSES });
      cm.accumulate(gt.data, pred.labels);
    }
    return computeScores(cm, CLASSES).miou ?? 0;
  } finally {
    await loaded.backend.release();
  }
}

describe('training client', { skip: unavailable }, () => {
  let root: string;
  let index: DatasetIndex;
  let service: Service;

  let dataDir: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'seglab-train-ds-'));
    dataDir = mkdtempSync(join(tmpdir(), 'seglab-train-svc-'));
    makeShapesDataset(root, 12, 4);
    index = await loadDataset(fs, root);
    service = await startService(dataDir);
  });
  after(async () => {
    await service?.stop();
    for (const dir of [root, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('clear errors: wrong token (401), unreachable backend', async () => {
    await assert.rejects(
      new TrainingClient(service.url, 'wrong').jobs(),
      (e: unknown) => e instanceof TrainingError && e.status === 401 && /Set Training Backend Token/.test(e.message),
    );
    const closed = `http://127.0.0.1:${await freePort()}`;
    await assert.rejects(new TrainingClient(closed, 'x').jobs(), (e: unknown) => e instanceof TrainingError && /cannot be reached/.test(e.message));
  });

  test('a fine-tuned model beats the starting model on the training images, through the pre-labeling pipeline', async () => {
    const client = new TrainingClient(service.url, service.token);
    const lines: string[] = [];
    const hooks = { log: (l: string) => lines.push(l) };
    // The starting model: one epoch at a learning rate too small to learn anything.
    const start = await fineTune(client, fs, index, { ...TINY, epochs: 1, lr: 1e-7 }, 'start', hooks);
    assert.equal(start.job.state, 'succeeded', `${start.job.error ?? ''}\n${lines.join('\n')}`);
    assert.ok(start.model);
    const messages: string[] = [];
    const progress = (phase: string, _fraction: number, message: string) => void (phase === 'train' && messages.push(message));
    const tuned = await fineTune(client, fs, index, { ...TINY, epochs: 12, lr: 1e-2, initJob: start.job.id }, 'tuned', { ...hooks, progress });
    assert.equal(tuned.job.state, 'succeeded', `${tuned.job.error ?? ''}\n${lines.join('\n')}`);
    assert.ok(
      messages.some((m) => /^Epoch \d+: .* · ≈ \d+:\d\d left$/.test(m)),
      `the progress says the time left once the job's pace is measured: ${messages.join(' | ')}`,
    );
    assert.ok(tuned.model);
    assert.ok(
      lines.some((l) => l.includes('already on the backend')),
      'the second upload is skipped (same content)',
    );
    assert.ok(lines.filter((l) => /^epoch \d+: loss .* val mIoU/.test(l)).length >= 13, lines.join('\n'));
    assert.deepEqual(readdirSync(join(root, 'models')).sort(), ['start.json', 'start.onnx', 'tuned.json', 'tuned.onnx']);
    const card = JSON.parse(readFileSync(join(root, 'models', 'tuned.json'), 'utf8')) as { name: string; training: { job: string } };
    assert.equal(card.name, 'tuned');
    assert.equal(card.training.job, tuned.job.id);
    // The stored card holds both curves per epoch (train loss from the job's history), for the mIoU view.
    const curves = curvesFromCard(tuned.model.card);
    assert.deepEqual(
      curves?.loss.map((p) => p.x),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    assert.equal(curves?.valMiou.length, 12);

    // The stored card records its job: the next run can continue from it with the same options.
    assert.deepEqual(await startingPoint(client, tuned.model.card), { params: { initJob: tuned.job.id, arch: 'unet', unetBase: 8, unetDepth: 2 } });
    // Without its job (another backend), a fresh model of the same build: the card's options.
    assert.deepEqual(await startingPoint(new TrainingClient('http://127.0.0.1:1', 'x'), tuned.model.card), {
      params: { arch: 'unet', unetBase: 8, unetDepth: 2 },
    });
    const demoPath = join('scripts', 'demo', 'models', 'demo-deeplabv3plus.json');
    assert.deepEqual(await startingPoint(client, parseModelCard(readFileSync(demoPath, 'utf8'), demoPath)), {
      params: {
        arch: 'deeplabv3plus',
        backbone: 'mobilenet_v3_large',
        asppChannels: 64,
        decoderChannels: 64,
        widthMult: 0.75,
        reducedTail: true,
        backboneBnMomentum: 0.1,
      },
    });

    const before = await miouOf(index, start.model.onnxPath);
    const afterTuning = await miouOf(index, tuned.model.onnxPath);
    console.log(JSON.stringify({ startMiou: before, tunedMiou: afterTuning, valMiou: tuned.job.metrics?.miou }));
    assert.ok(afterTuning > before + 0.2, `tuned ${afterTuning} vs start ${before}`);
    assert.ok(afterTuning > 0.6, `tuned ${afterTuning}`);

    // A tampered download is refused before anything is written.
    const cardBytes = await client.artifact(tuned.job.id, 'model.json');
    const onnx = await client.artifact(tuned.job.id, 'model.onnx');
    await assert.doesNotReject(verifyDownload(cardBytes, onnx, 'job'));
    const tampered = onnx.slice();
    tampered[tampered.length - 1] ^= 1;
    await assert.rejects(verifyDownload(cardBytes, tampered, 'job'), /job\/model\.onnx: sha256 .* does not match/);
    const noHash = JSON.parse(new TextDecoder().decode(cardBytes)) as Record<string, unknown>;
    delete noHash.sha256;
    await assert.rejects(verifyDownload(new TextEncoder().encode(JSON.stringify(noHash)), onnx, 'job'), /sha256: missing/);
    assert.ok(!existsSync(join(root, 'models', 'tuned-2.onnx')));
  });

  test('a sigmoid export (seglab.training.exportSigmoid) needs 2 classes: refused by the extension and by the service', async () => {
    assert.deepEqual(sigmoidExport(index, false), {});
    assert.throws(() => sigmoidExport(index, true), /exportSigmoid is on, but the dataset has 3 classes; a sigmoid export needs exactly 2/);
    const binary = { ...index, config: { ...index.config, classes: CLASSES.slice(0, 2) } };
    assert.deepEqual(sigmoidExport(binary, true), { sigmoid: true });
    const client = new TrainingClient(service.url, service.token);
    await assert.rejects(
      submitJob(client, fs, index, { ...TINY, epochs: 1, sigmoid: true }),
      (e: unknown) => e instanceof TrainingError && e.status === 422 && /exactly 2 classes .* has 3: set sigmoid to false/.test(e.message),
    );
  });

  test("the click model's job beside a pre-labeling one (alsoTrainClickModel) is stored as a Smart Select model", async () => {
    // Same architecture and budget, new weights, the trainer's click crop: no initJob, sigmoid or pre-labeling crop.
    const beside = { ...TINY, initJob: 'abc', sigmoid: true, epochs: 1, minutes: 2.5 };
    assert.deepEqual(clickJobParams(beside), { task: 'interactive', arch: 'unet', unetBase: 8, unetDepth: 2, epochs: 1, minutes: 2.5 });
    const client = new TrainingClient(service.url, service.token);
    const job = await watchJob(client, await submitJob(client, fs, index, clickJobParams({ ...TINY, epochs: 1 })));
    assert.equal(job.state, 'succeeded', job.error ?? '');
    // Stored as what it is, never as a pre-labeling model.
    await assert.rejects(
      downloadModel(client, job.id, fs, root, 'wrong'),
      /kind: job \w+ exported a click model, where a pre-labeling model was expected; nothing was written/,
    );
    assert.ok(!existsSync(join(root, 'models', 'wrong.onnx')) && !existsSync(join(root, 'models', 'wrong.json')));
    const stored = await downloadClickModel(client, job.id, fs, root, 'clicks');
    assert.equal(stored.card.family, 'clicks');
    assert.equal(stored.card.model.file, 'clicks.onnx', 'the card names the stored file');
    assert.equal(stored.card.model.sha256, await sha256Hex(readFileSync(join(root, 'models', 'clicks.onnx'))));
    const raw = JSON.parse(readFileSync(stored.cardPath, 'utf8')) as { name: string; training: { job: string; backend: string; task: string } };
    assert.deepEqual([raw.name, raw.training.job, raw.training.backend, raw.training.task], ['clicks', job.id, service.url, 'interactive']);
    // The runtime Smart Select uses loads it from the stored card.
    await releasePromptableModel(await loadNativePromptable(stored.cardPath, 1));
    const cardBytes = await client.artifact(job.id, 'model.json');
    const onnx = await client.artifact(job.id, 'model.onnx');
    onnx[onnx.length - 1] ^= 1;
    await assert.rejects(verifyDownload(cardBytes, onnx, 'job'), /job\/model\.onnx: sha256 .* does not match/);

    // The next round's click job continues from this one (its architecture, whatever the pre-labeling choice).
    const from = await clickStart(client, raw);
    assert.deepEqual(from, { initJob: job.id, arch: 'unet', unetBase: 8, unetDepth: 2 });
    assert.equal(await clickStart(new TrainingClient('http://127.0.0.1:1', 'x'), raw), undefined, 'another backend: new weights');
    assert.equal(await clickStart(client, { ...raw, family: 'sam' }), undefined);
    const params = clickJobParams({ arch: 'deeplabv3plus', epochs: 1 }, from);
    assert.deepEqual(params, { task: 'interactive', initJob: job.id, arch: 'unet', unetBase: 8, unetDepth: 2, epochs: 1 });
    const next = await watchJob(client, await client.createJob({ ...params, dataset: job.dataset }));
    assert.equal(next.state, 'succeeded', next.error ?? '');
    assert.equal(next.initJob, job.id);
  });

  test('cancelling a running job ends its event stream with state cancelled', async () => {
    const client = new TrainingClient(service.url, service.token);
    const job = await submitJob(client, fs, index, { ...TINY, epochs: 5000 });
    let cancelled = false;
    const ended = await watchJob(client, job, {
      progress: (phase) => {
        if (phase === 'train' && !cancelled) {
          cancelled = true;
          void client.cancel(job.id);
        }
      },
    });
    assert.ok(cancelled);
    assert.equal(ended.state, 'cancelled');
    await assert.rejects(client.artifact(job.id, 'model.onnx'), (e: unknown) => e instanceof TrainingError && e.status === 409);
  });
});

test('the backend process: a missing Python or trainer package is a clear error', { skip: unavailable }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'seglab-train-svc-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const base = { backendDir: dataDir, dataDir, token: 't', timeoutMs: 20_000 };
  await assert.rejects(
    startBackendProcess({ ...base, python: join(dataDir, 'no-python'), port: await freePort() }),
    /cannot run .*no-python.*seglab\.training\.python/,
  );
  await assert.rejects(
    startBackendProcess({ ...base, python: PYTHON, port: await freePort() }),
    /the backend exited \(code 1\)[\s\S]*No module named seglab_trainer/,
  );
});
