// Deterministic demo dataset: synthetic bright-field microscopy (background, cell body, nucleus,
// debris) with JPEG images, indexed-PNG masks for most images, seglab.json and train/val splits.
// `node --import tsx scripts/demo/generate.ts <dir> [--seed N] [--count N]`; same seed, same bytes.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { ClassDef } from '../../src/core/classes';
import { CONFIG_FILE, configToJson } from '../../src/core/dataset/config';
import type { DatasetConfig } from '../../src/core/dataset/types';
import { IGNORE } from './scene';
import type { ImageJob } from './worker';

/** Bump when the output changes, so `npm run demo` regenerates a cached copy. */
export const GENERATOR_VERSION = 2;
export const MARKER_FILE = '.seglab-demo.json';
/** The committed demo models (scripts/demo/train-models.sh), copied into the dataset's models/. */
const DEMO_MODELS_DIR = join(__dirname, 'models');

export const DEMO_CLASSES: ClassDef[] = [
  { id: 0, name: 'background', color: [0, 0, 0] },
  { id: 1, name: 'cell body', color: [86, 180, 233] },
  { id: 2, name: 'nucleus', color: [213, 94, 0] },
  { id: 3, name: 'debris', color: [240, 228, 66] },
];

export interface DemoOptions {
  seed?: number;
  count?: number;
  size?: number;
}

export interface DemoSummary {
  root: string;
  stems: string[];
  labeled: string[];
  unlabeled: string[];
  train: string[];
  val: string[];
}

/** Which images get a mask, which masks mark ignore pixels, and the splits: fixed by index. */
export function planDemo(count: number): Omit<DemoSummary, 'root'> {
  const plan: Omit<DemoSummary, 'root'> = { stems: [], labeled: [], unlabeled: [], train: [], val: [] };
  for (let index = 0; index < count; index++) {
    const stem = `cell_${String(index).padStart(3, '0')}`;
    plan.stems.push(stem);
    // Every fifth image is left for the user to label.
    if (index % 5 === 4) {
      plan.unlabeled.push(stem);
    } else {
      plan.labeled.push(stem);
      (plan.labeled.length % 6 === 0 ? plan.val : plan.train).push(stem);
    }
  }
  return plan;
}

/** Writes the dataset into `root`, replacing the folders it owns there. */
export async function generateDemoDataset(root: string, options: DemoOptions = {}): Promise<DemoSummary> {
  const { seed = 1, count = 60, size = 512 } = options;
  const config: DatasetConfig = {
    name: 'Microscopy demo',
    classes: DEMO_CLASSES,
    ignoreIndex: IGNORE,
    imagesDir: 'images',
    masksDir: 'masks',
    predictionsDir: 'predictions',
    splits: { train: 'splits/train.txt', val: 'splits/val.txt' },
  };
  for (const dir of [config.imagesDir, config.masksDir, 'splits']) {
    rmSync(join(root, dir), { recursive: true, force: true });
    mkdirSync(join(root, dir), { recursive: true });
  }
  const plan = planDemo(count);
  const unlabeled = new Set(plan.unlabeled);
  const jobs: ImageJob[] = plan.stems.map((stem, index) => ({
    index,
    seed,
    size,
    labeled: !unlabeled.has(stem),
    image: join(root, config.imagesDir, `${stem}.jpg`),
    mask: join(root, config.masksDir, `${stem}.png`),
  }));
  // Each image has its own random stream, so the split between workers changes no byte.
  const workers = Math.max(1, Math.min(availableParallelism(), 4, Math.ceil(count / 8)));
  await Promise.all(
    Array.from({ length: workers }, (_, w) =>
      runWorker(
        jobs.filter((_, i) => i % workers === w),
        config,
      ),
    ),
  );
  writeFileSync(join(root, config.splits.train), plan.train.join('\n') + '\n');
  writeFileSync(join(root, config.splits.val), plan.val.join('\n') + '\n');
  writeFileSync(join(root, CONFIG_FILE), configToJson(config));
  copyDemoModels(join(root, 'models'));
  writeFileSync(join(root, MARKER_FILE), JSON.stringify({ generator: GENERATOR_VERSION, seed, count, size }) + '\n');
  return { root, ...plan };
}

/** `<name>.onnx` + `<name>.json` pairs; other models a user put in models/ stay. `npm run demo` calls it on a reused
 * dataset too, so a retrained demo model reaches a cached copy. */
export function copyDemoModels(target: string): void {
  if (!existsSync(DEMO_MODELS_DIR)) return;
  const files = readdirSync(DEMO_MODELS_DIR).filter((f) => f.endsWith('.onnx') || f.endsWith('.json'));
  if (files.length > 0) mkdirSync(target, { recursive: true });
  for (const file of files) copyFileSync(join(DEMO_MODELS_DIR, file), join(target, file));
}

function runWorker(jobs: ImageJob[], config: DatasetConfig): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // Workers do not inherit tsx's loader on Node 20: register its CommonJS hook first.
    const bootstrap = [require.resolve('tsx/cjs'), join(__dirname, 'worker.ts')].map((f) => `require(${JSON.stringify(f)});`).join('');
    const worker = new Worker(bootstrap, { eval: true, workerData: { jobs, config } });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`demo image worker exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seed: { type: 'string', default: '1' }, count: { type: 'string', default: '60' } },
  });
  if (positionals.length !== 1) {
    console.error('usage: npm run demo:data -- <dir> [--seed N] [--count N]');
    process.exit(2);
  }
  const root = resolve(positionals[0]);
  const started = performance.now();
  const summary = await generateDemoDataset(root, { seed: Number(values.seed), count: Number(values.count) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${root}: ${summary.stems.length} images, ${summary.labeled.length} labeled ` +
      `(${summary.train.length} train, ${summary.val.length} val), ${summary.unlabeled.length} unlabeled in ${seconds} s`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(__filename)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
