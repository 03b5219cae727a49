/**
 * Pre-labeling speed on this machine's CPU (issue 6), 512x512 inputs:
 * - latency of one image through the whole pipeline (pre-processing, session, post-processing)
 *   with native ONNX Runtime (onnxruntime-node, CPU EP) and onnxruntime-web's WASM build in Node,
 *   at 1 and 2 threads, for a U-Net (base 32, 21 classes), torchvision's DeepLabV3-MobileNetV3-Large
 *   and a small DeepLabV3+;
 * - the ratios: WASM / native at the same thread count, and the CPU fallback path (the extension
 *   host runs the whole pipeline on onnxruntime-node when the webview has no WebGPU) / the native
 *   session alone (target: within 1.5x);
 * - whole-dataset throughput (images/s) of the batch pre-labeler on 200 JPEG images;
 * - the worker pool (issue 22): images/s of the batch pre-labeler with the demo U-Net on the first
 *   POOL_IMAGES of those JPEGs at 1 worker (one session in this thread), 2 workers and cores - 1,
 *   in the same run, and each pool's ratio to 1 worker (target on the 2-core machine: >= 1.7x at
 *   2 workers; the load average is printed with it, the ratio means little on a loaded machine);
 * - JPEG decoding of those images: SegLab's WASM libjpeg-turbo against jpeg-js (its decoder
 *   before) and Pillow (the trainer's), in the same run.
 * Each configuration runs in its own process (onnxruntime-web's thread count is per process).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { decode as jpegJsDecode, encode as encodeJpeg } from 'jpeg-js';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexDataset } from '../src/core/dataset/datasetIndex';
import { detectDataset } from '../src/core/dataset/detect';
import { parseModelCard } from '../src/core/model/card';
import { decodeImage, type RgbImage } from '../src/core/model/image';
import { loadModel } from '../src/core/model/load';
import { predict } from '../src/core/model/pipeline';
import { prelabelDataset } from '../src/core/model/prelabelDataset';
import { NodeFileSystem } from '../src/node/nodeFileSystem';
import { createBackend, type NodeProvider } from '../src/node/onnxBackends';
import { defaultWorkers, PrelabelPool, threadsPerWorker } from '../src/node/prelabelPool';
import { useNodeZlib } from '../src/node/zlibCodec';
import { bundlePrelabelWorker } from '../test/prelabel/workerBundle';
import { testModelsDir } from '../test/model/testModels';

const SIZE = 512;
const DATASET_IMAGES = 200;
const POOL_IMAGES = 48;
const DEMO_UNET = join(__dirname, '..', 'scripts', 'demo', 'models', 'demo-unet.onnx');
const fs = new NodeFileSystem();

interface BenchModel {
  label: string;
  file: string;
  bench: boolean;
}
const MODELS: BenchModel[] = [
  { label: 'U-Net base 32, 21 classes', file: 'unet32.onnx', bench: true },
  { label: 'torchvision DeepLabV3-MobileNetV3-Large, 4 classes', file: 'deeplabv3_mnv3.onnx', bench: false },
  { label: 'DeepLabV3+ (small test model), 4 classes', file: 'deeplabv3plus.onnx', bench: false },
];

function rgbImage(width: number, height: number, seed = 0): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761 + seed * 97) >>> 24;
  return { width, height, channels: 3, data };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The model resolved against its card's own classes; `createSession` default: one `provider` session in this thread. */
async function load(path: string, provider: NodeProvider, threads: number, createSession = (b: Uint8Array) => createBackend(provider, b, { threads })) {
  const card = parseModelCard(readFileSync(path.replace(/\.onnx$/, '.json'), 'utf8'), path);
  return loadModel({ fs, createBackend: createSession }, path, { classes: card.classes, ignoreIndex: 255, path: 'bench' });
}

/** One configuration: warm runs until 5 runs and 4 s (at most 10). */
async function latency(path: string, provider: NodeProvider, threads: number): Promise<void> {
  const m = await load(path, provider, threads);
  const image = rgbImage(SIZE, SIZE);
  const session: number[] = [];
  const run = m.backend.run.bind(m.backend);
  m.backend.run = async (...args) => {
    const t = performance.now();
    const out = await run(...args);
    session.push(performance.now() - t);
    return out;
  };
  for (let i = 0; i < 2; i++) await predict(image, m.model, m.backend);
  session.length = 0;
  const total: number[] = [];
  const start = performance.now();
  while (total.length < 10 && (total.length < 5 || performance.now() - start < 4000)) {
    const t = performance.now();
    await predict(image, m.model, m.backend);
    total.push(performance.now() - t);
  }
  await m.backend.release();
  console.log(
    JSON.stringify({
      bench: 'prelabel-latency',
      file: path.split('/').pop(),
      provider: m.backend.provider,
      threads,
      size: SIZE,
      pipelineMs: +median(total).toFixed(1),
      sessionMs: +median(session).toFixed(1),
      runs: total.length,
    }),
  );
}

function datasetRoot(): string {
  const root = join(tmpdir(), `seglab-bench-prelabel-${DATASET_IMAGES}`);
  if (!existsSync(join(root, '.complete'))) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(join(root, 'images'), { recursive: true });
    writeFileSync(
      join(root, 'seglab.json'),
      JSON.stringify({ name: 'bench', classes: Array.from({ length: 21 }, (_, i) => ({ id: i, name: `class${i}`, color: [i, i * 3, i * 7] })) }),
    );
    for (let i = 0; i < DATASET_IMAGES; i++) {
      const rgb = rgbImage(SIZE, SIZE, i);
      const rgba = new Uint8Array(SIZE * SIZE * 4);
      for (let p = 0; p < SIZE * SIZE; p++) rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
      writeFileSync(join(root, 'images', `img${String(i).padStart(4, '0')}.jpg`), encodeJpeg({ width: SIZE, height: SIZE, data: rgba }, 90).data);
    }
    writeFileSync(join(root, '.complete'), '');
  }
  return root;
}

/** The batch pre-labeler over 200 JPEGs (decode, pipeline, PNG encode, atomic write), native CPU. */
async function throughput(path: string, threads: number): Promise<void> {
  const root = datasetRoot();
  const m = await load(path, 'cpu', threads);
  const index = await indexDataset(fs, root, (await detectDataset(fs, root))!);
  const outDir = join(root, 'predictions', 'bench');
  rmSync(outDir, { recursive: true, force: true });
  const result = await prelabelDataset(fs, index, m, { outDir });
  await m.backend.release();
  console.log(
    JSON.stringify({
      bench: 'prelabel-throughput',
      file: path.split('/').pop(),
      provider: 'cpu',
      threads,
      images: result.written.length,
      failed: result.failed.length,
      seconds: +result.seconds.toFixed(2),
      imagesPerSecond: +(result.written.length / result.seconds).toFixed(2),
    }),
  );
}

/** The batch pre-labeler with `workers` sessions (1: the single-session path) over the first POOL_IMAGES JPEGs, native CPU. */
async function poolThroughput(workers: number): Promise<void> {
  useNodeZlib(); // as the CLI and the extension host do, and each worker
  const root = datasetRoot();
  const threads = threadsPerWorker(workers);
  const index = await indexDataset(fs, root, (await detectDataset(fs, root))!);
  const stems = new Set(index.images.slice(0, POOL_IMAGES).map((e) => e.stem));
  const outDir = join(root, 'predictions', `pool${workers}`);
  rmSync(outDir, { recursive: true, force: true });
  // Inside the repository, so the worker bundle finds onnxruntime-node.
  mkdirSync(join(__dirname, '..', '.test-artifacts'), { recursive: true });
  const dir = mkdtempSync(join(__dirname, '..', '.test-artifacts', 'bench-pool-'));
  try {
    // As the CLI does: with workers, the pool's first worker is the only session of the model.
    const script = workers > 1 ? await bundlePrelabelWorker(dir) : undefined;
    let pool: PrelabelPool | undefined;
    const loaded = await load(DEMO_UNET, 'cpu', threads, async (b) =>
      script ? (pool = await PrelabelPool.start(b, DEMO_UNET, { workers, script })).backend : createBackend('cpu', b, { threads }),
    );
    const result = await prelabelDataset(fs, index, loaded, { outDir, stems, runner: pool?.prepare(loaded.model, index.config) });
    await loaded.backend.release();
    console.log(
      JSON.stringify({
        bench: 'prelabel-pool',
        file: 'demo-unet.onnx',
        workers,
        threadsPerWorker: threads,
        images: result.written.length,
        failed: result.failed.length,
        seconds: +result.seconds.toFixed(2),
        imagesPerSecond: +(result.written.length / result.seconds).toFixed(2),
        loadAverage: +loadavg()[0].toFixed(2),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** workers=1 against 2 and cores - 1 in one run, each in its own process. */
function poolComparison(): void {
  const counts = [...new Set([1, 2, defaultWorkers()])];
  const rates = new Map(counts.map((w) => [w, child(['--pool', String(w)])[0].imagesPerSecond as number]));
  const one = rates.get(1)!;
  for (const w of counts.filter((w) => w > 1))
    console.log(
      JSON.stringify({
        bench: 'prelabel-pool-ratio',
        cores: availableParallelism(),
        workers: w,
        overOneWorker: +(rates.get(w)! / one).toFixed(2),
        target1_7xAt2Workers: w === 2 ? rates.get(w)! / one >= 1.7 : undefined,
        loadAverage: loadavg().map((l) => +l.toFixed(2)),
      }),
    );
}

/** Best of 3 passes over the dataset's JPEGs, in Mpx/s; Pillow's when /usr/bin/python3 has it. */
async function jpegDecode(): Promise<void> {
  const dir = join(datasetRoot(), 'images');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .map((f) => join(dir, f));
  const bytes = files.map((f) => readFileSync(f));
  const mpx = (files.length * SIZE * SIZE) / 1e6;
  const bestOf3 = async (decode: (b: Uint8Array, i: number) => unknown) => {
    let best = Infinity;
    for (let pass = 0; pass < 4; pass++) {
      const start = performance.now();
      for (let i = 0; i < bytes.length; i++) await decode(bytes[i], i);
      if (pass > 0) best = Math.min(best, (performance.now() - start) / 1000); // the first pass warms up
    }
    return +(mpx / best).toFixed(1);
  };
  const libjpegTurbo = await bestOf3((b, i) => decodeImage(b, files[i]));
  const jpegJs = await bestOf3((b) => jpegJsDecode(b, { useTArray: true, formatAsRGBA: false }));
  const py = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      `
import sys, time
from PIL import Image
files = sys.argv[1:]
best = 1e9
for p in range(4):
    t = time.perf_counter()
    for f in files:
        Image.open(f).convert('RGB').load()
    if p: best = min(best, time.perf_counter() - t)
print(best)`,
      ...files,
    ],
    { encoding: 'utf8' },
  );
  const pillow = py.status === 0 ? +(mpx / Number(py.stdout)).toFixed(1) : null;
  console.log(
    JSON.stringify({
      bench: 'jpeg-decode',
      images: files.length,
      width: SIZE,
      height: SIZE,
      libjpegTurboWasmMpxPerSec: libjpegTurbo,
      jpegJsMpxPerSec: jpegJs,
      pillowMpxPerSec: pillow,
      overJpegJs: +(libjpegTurbo / jpegJs).toFixed(2),
      overPillow: pillow && +(libjpegTurbo / pillow).toFixed(2),
    }),
  );
}

function child(args: string[]): Array<Record<string, number | string>> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`bench child ${args.join(' ')} failed (${r.signal ?? r.status})`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  for (const l of lines) console.log(l);
  return lines.map((l) => JSON.parse(l));
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === '--latency') return latency(rest[0], rest[1] as NodeProvider, Number(rest[2]));
  if (mode === '--throughput') return throughput(rest[0], Number(rest[1]));
  if (mode === '--jpeg') return jpegDecode();
  if (mode === '--pool') return poolThroughput(Number(rest[0]));
  if (mode === '--pool-only') return poolComparison();
  const dirs = { test: await testModelsDir(false), bench: await testModelsDir(true) };
  console.error(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const model of MODELS) {
    const path = join(model.bench ? dirs.bench : dirs.test, model.file);
    for (const threads of [1, 2]) {
      const [native] = child(['--latency', path, 'cpu', String(threads)]);
      const [wasm] = child(['--latency', path, 'wasm', String(threads)]);
      const fallback = (native.pipelineMs as number) / (native.sessionMs as number);
      console.log(
        JSON.stringify({
          bench: 'prelabel-ratio',
          model: model.label,
          threads,
          nativeMs: native.pipelineMs,
          wasmMs: wasm.pipelineMs,
          wasmOverNative: +((wasm.pipelineMs as number) / (native.pipelineMs as number)).toFixed(2),
          cpuFallbackOverNativeSession: +fallback.toFixed(2),
          fallbackWithin1_5x: fallback <= 1.5,
        }),
      );
    }
  }
  for (const model of MODELS.slice(0, 2)) child(['--throughput', join(model.bench ? dirs.bench : dirs.test, model.file), '2']);
  await jpegDecode();
  poolComparison();
  console.error(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
