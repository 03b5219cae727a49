/** The worker pool of batch pre-labeling against the single-session path, with real onnxruntime-node in worker threads. */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { indexDataset } from '../../src/core/dataset/datasetIndex';
import { detectDataset } from '../../src/core/dataset/detect';
import { DataError } from '../../src/core/errors';
import { loadModel, probe } from '../../src/core/model/load';
import { prelabelDataset, PrelabelRunnerError } from '../../src/core/model/prelabelDataset';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { createBackend } from '../../src/node/onnxBackends';
import { loadPooled, threadsPerWorker } from '../../src/node/prelabelPool';
import { useNodeZlib } from '../../src/node/zlibCodec';
import { tempDir, writeFile } from '../core/dataset/fixtures';
import { seglab } from '../cli/run';
import { TEST_CLASSES, testModelsDir } from '../model/testModels';
import { copyModel, makeDataset } from './fixtures';
import { bundlePrelabelWorker } from './workerBundle';

const ROOT = join(__dirname, '..', '..');
const fs = new NodeFileSystem();
useNodeZlib(); // as the CLI and the extension host (and every worker) do

// Inside the repository, so the bundled worker finds onnxruntime-node in node_modules.
mkdirSync(join(ROOT, '.test-artifacts'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.test-artifacts', 'prelabel-pool-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let script: string;
let crashing: string;

const open = async (root: string) => indexDataset(fs, root, (await detectDataset(fs, root))!);
const load = (path: string) =>
  loadModel({ fs, createBackend: (b) => createBackend('cpu', b, { threads: 1 }) }, path, { classes: TEST_CLASSES, ignoreIndex: 255, path: 'dataset' });
const snapshot = (d: string) => Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f)).toString('base64')]));

describe('prelabel worker pool', () => {
  let models: string;
  before(async () => {
    models = await testModelsDir();
    script = await bundlePrelabelWorker(dir);
    crashing = await bundlePrelabelWorker(dir, 'test/prelabel/crashingWorker.ts');
  });

  /**
   * The test U-Net copied into `root`'s models/, the dataset indexed, and the model loaded twice: in
   * this thread (`m`, the single-session path) and through a pool of 2 workers running `workerScript`
   * (`pooled`); closed after the test.
   */
  async function withPool(t: TestContext, root: string, workerScript = script) {
    const path = copyModel(models, 'unet', join(root, 'models'));
    const m = await load(path);
    t.after(() => m.backend.release());
    const index = await open(root);
    const classes = { classes: index.config.classes, ignoreIndex: index.config.ignoreIndex, path: 'dataset' };
    const { loaded: pooled, pool } = await loadPooled(fs, path, classes, { workers: 2, script: workerScript });
    t.after(() => pooled.backend.release());
    return { path, m, pooled, index, pool };
  }

  test('threads per worker never add up to more than the cores', () => {
    assert.equal(threadsPerWorker(1, 2), 2);
    assert.equal(threadsPerWorker(2, 2), 1);
    assert.equal(threadsPerWorker(3, 2), 1);
    assert.equal(threadsPerWorker(3, 16), 4);
    assert.equal(threadsPerWorker(5, 16), 3);
  });

  test('workers=2 writes the same PNG bytes and manifest as the single session; a bad image keeps its own error', async (t) => {
    const root = tempDir(t);
    makeDataset(root, 7, 2);
    writeFile(join(root, 'images', 'img003b.jpg'), new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const { m, pooled: p, index, pool } = await withPool(t, root);
    const single = await prelabelDataset(fs, index, m, { outDir: join(root, 'single') });
    const progress: number[] = [];
    const pooled = await prelabelDataset(fs, index, p, { outDir: join(root, 'pooled'), runner: pool, onProgress: ({ done }) => progress.push(done) });
    assert.equal(single.written.length, 7);
    assert.deepEqual(pooled.written, single.written);
    assert.deepEqual(pooled.failed, single.failed);
    assert.equal(pooled.failed.length, 1);
    assert.equal(pooled.failed[0].path, join(root, 'images', 'img003b.jpg'));
    assert.match(pooled.failed[0].message, /cannot decode image/);
    assert.deepEqual(snapshot(join(root, 'pooled')), snapshot(join(root, 'single'))); // PNGs and .seglab-model.json, byte for byte
    assert.deepEqual(
      progress,
      [...progress].sort((a, b) => a - b),
    );
    assert.equal(progress.at(-1), 8);
  });

  test('this thread holds no session: the model is resolved from the first worker, its probe runs in a worker', async (t) => {
    const root = tempDir(t);
    makeDataset(root, 1, 0);
    const { m, pooled, pool } = await withPool(t, root);
    assert.equal(pooled.backend, pool.backend);
    assert.deepEqual(pooled.backend.io, m.backend.io);
    assert.deepEqual(pooled.model, m.model);
    assert.equal(pooled.sha256, m.sha256);
    const { input, output } = m.model;
    const [inWorker, inThread] = await Promise.all([probe(pooled.backend, input, output.name), probe(m.backend, input, output.name)]);
    assert.deepEqual(inWorker.dims, inThread.dims);
    assert.deepEqual(inWorker.data, inThread.data);
  });

  test('a worker that cannot start ends with one line naming the model file', async (t) => {
    const root = tempDir(t);
    makeDataset(root, 1, 0);
    const path = join(root, 'models', 'broken.onnx');
    writeFile(path, new Uint8Array([1, 2, 3]));
    const index = await open(root);
    await assert.rejects(
      loadPooled(fs, path, { classes: index.config.classes, ignoreIndex: index.config.ignoreIndex, path: root }, { workers: 2, script }),
      (e: unknown) =>
        e instanceof DataError &&
        e.path === path &&
        /cannot load the ONNX model \(a pre-labeling worker could not start \(.+\)\)$/.test(e.message) &&
        !e.message.includes('\n'),
    );
  });

  test('a worker that dies mid-run ends the run with the reason, not a hang; finished images stay', async (t) => {
    const root = tempDir(t);
    makeDataset(root, 8, 0);
    copyFileSync(join(root, 'images', 'img005.png'), join(root, 'images', 'img004crash.png')); // the sixth entry
    const { path, pooled, index, pool } = await withPool(t, root, crashing);
    await assert.rejects(
      prelabelDataset(fs, index, pooled, { runner: pool }),
      (e: unknown) => e instanceof PrelabelRunnerError && e.message.startsWith(`${path}: a pre-labeling worker stopped (`),
    );
    const out = join(root, 'predictions', 'unet');
    const manifest = JSON.parse(readFileSync(join(out, '.seglab-model.json'), 'utf8'));
    const pngs = readdirSync(out).filter((f) => f.endsWith('.png'));
    assert.deepEqual(Object.keys(manifest.images).sort(), pngs.map((f) => f.slice(0, -4)).sort());
    assert.ok(pngs.length >= 1 && !pngs.includes('img004crash.png'));
    // Requests after the crash fail at once too.
    await assert.rejects(pool.predict(new Uint8Array(), 'x.png'), PrelabelRunnerError);
  });

  test('cancelling with the pool leaves only complete files', async (t) => {
    const root = tempDir(t);
    makeDataset(root, 8, 0);
    const { pooled, index, pool } = await withPool(t, root);
    const controller = new AbortController();
    const result = await prelabelDataset(fs, index, pooled, {
      runner: pool,
      signal: controller.signal,
      onProgress: ({ done }) => done === 3 && controller.abort(),
    });
    assert.equal(result.cancelled, true);
    const pngs = readdirSync(result.outDir).filter((f) => f.endsWith('.png'));
    assert.deepEqual(pngs.map((f) => f.slice(0, -4)).sort(), result.written);
    assert.ok(result.written.length >= 3 && result.written.length < 8);
    const manifest = JSON.parse(readFileSync(join(result.outDir, '.seglab-model.json'), 'utf8'));
    assert.deepEqual(Object.keys(manifest.images).sort(), result.written);
    // The pool still works after a cancel.
    const rest = await prelabelDataset(fs, index, pooled, { runner: pool });
    assert.equal(rest.written.length + rest.skipped.length, 8);
  });

  test('closing the pool right after a cancel lets the images in hand finish, then ends every worker', async (t) => {
    // As Pre-label Dataset's cancel does: terminating a thread in a native run would abort the process.
    const root = tempDir(t);
    makeDataset(root, 8, 0);
    const { pooled, index, pool } = await withPool(t, root);
    const controller = new AbortController();
    const result = await prelabelDataset(fs, index, pooled, {
      runner: pool,
      signal: controller.signal,
      onProgress: ({ done }) => done === 1 && controller.abort(),
    });
    assert.equal(result.cancelled, true);
    await pool.dispose();
    const workers = (pool as unknown as { all: Array<{ worker: { threadId: number } }> }).all;
    assert.deepEqual(
      workers.map((s) => s.worker.threadId),
      [-1, -1],
    );
    await assert.rejects(pool.predict(new Uint8Array(), 'x.png'), /the pre-labeling pool was closed/);
  });

  test('seglab prelabel --workers 2 writes what --workers 1 writes', async (t) => {
    const root = tempDir(t);
    makeDataset(root, 5, 0);
    const path = copyModel(models, 'unet', join(root, 'models'));
    const one = await seglab('prelabel', root, '--model', path, '--workers', '1', '--out', join(root, 'one'));
    const two = await seglab('prelabel', root, '--model', path, '--workers', '2', '--out', join(root, 'two'));
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stdout, /5 written.*2 workers/);
    assert.deepEqual(snapshot(join(root, 'two')), snapshot(join(root, 'one')));
    const bad = await seglab('prelabel', root, '--model', path, '--workers', '0');
    assert.equal(bad.code, 2);
  });
});
