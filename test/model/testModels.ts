/**
 * The small PyTorch-made models (scripts/models/build_test_models.py), generated once into
 * .test-artifacts/models/<script hash>/ (the promptable pair: .test-artifacts/promptable/) and shared
 * by test files running in parallel.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import type { RgbImage } from '../../src/core/model/image';

const SCRIPT = resolve(__dirname, '../../scripts/models/build_test_models.py');
const PROMPTABLE_SCRIPT = resolve(__dirname, '../../scripts/models/build_promptable_models.py');
const SAM_BENCH_SCRIPT = resolve(__dirname, '../../scripts/models/build_sam_bench_models.py');
const CLICK_SCRIPT = resolve(__dirname, '../../scripts/models/build_click_test_model.py');
const QUANTIZE_SCRIPT = resolve(__dirname, '../../scripts/models/quantize_dynamic.py');
const ROOT = resolve(__dirname, '../../.test-artifacts/models');
/** The trainer package, whose code the scripts importing it run: a change there rebuilds their models. */
const TRAINER = resolve(__dirname, '../../backend/seglab_trainer');

export const MODEL_KINDS = ['unet', 'deeplabv3plus', 'deeplabv3_mnv3', 'fcn', 'segformer'] as const;

export interface References {
  [model: string]: { multipleOf: number; stride: number; outputs: string[]; cases: Record<string, { height: number; width: number; channels: number }> };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The folder with every model, building it first if needed (about 10 s); `bench`: the benchmark-sized models. */
export function testModelsDir(bench = false): Promise<string> {
  return builtOnce(SCRIPT, ROOT, bench ? '-bench' : '', bench ? ['--bench'] : [], bench ? 'bench.json' : 'references.json', TRAINER);
}

/** The known-answer promptable pair (scripts/models/build_promptable_models.py): sam_test.{encoder,decoder}.onnx. */
export function promptableModelsDir(): Promise<string> {
  return builtOnce(PROMPTABLE_SCRIPT, resolve(ROOT, '../promptable'), '', [], 'sam_test.decoder.onnx');
}

/** A tiny click model (family "clicks") with PyTorch's answers (scripts/models/build_click_test_model.py). */
export function clickTestModelDir(): Promise<string> {
  return builtOnce(CLICK_SCRIPT, resolve(ROOT, '../click-test'), '', [], 'references.json', TRAINER);
}

/** SAM-sized random-weight pair for timings (scripts/models/build_sam_bench_models.py): sam_bench.{encoder,decoder}.onnx; minutes to build. */
export function samBenchModelsDir(): Promise<string> {
  return builtOnce(SAM_BENCH_SCRIPT, resolve(ROOT, '../sam-bench'), '', [], 'sam_bench.encoder.onnx');
}

/** SAM's prompt decoder alone (random weights, SAM's in-graph mask upscaling): sam_bench.decoder.onnx; seconds to build. */
export function samDecoderDir(): Promise<string> {
  return builtOnce(SAM_BENCH_SCRIPT, resolve(ROOT, '../sam-decoder'), '', ['--decoder-only'], 'sam_bench.decoder.onnx');
}

/**
 * samDecoderDir's decoder quantized as SAM's export script's --quantize-out does (scripts/models/quantize_dynamic.py):
 * sam_bench.decoder.quant.onnx, in a folder named for both scripts' versions.
 */
export async function samQuantizedDecoderDir(): Promise<string> {
  const decoder = await samDecoderDir();
  return builtOnce(
    QUANTIZE_SCRIPT,
    resolve(ROOT, '../sam-quantized'),
    `-${basename(decoder)}`,
    [join(decoder, 'sam_bench.decoder.onnx')],
    'sam_bench.decoder.quant.onnx',
  );
}

/** The .py files under `dir`, sorted, so that the hash does not depend on the listing's order. */
function pythonSources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.py'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Runs `script OUT_DIR ...args` once into <root>/<hash><suffix>/, under a lock shared by test files
 * running in parallel; the hash covers the script and the Python package `imports` (when given),
 * and folders of earlier versions are removed.
 */
async function builtOnce(script: string, root: string, suffix: string, args: string[], marker: string, imports?: string): Promise<string> {
  const digest = createHash('sha256');
  digest.update(readFileSync(script));
  if (imports) for (const file of pythonSources(imports)) digest.update(relative(imports, file)).update(readFileSync(file));
  const hash = digest.digest('hex').slice(0, 16);
  const dir = join(root, hash + suffix);
  const lock = `${dir}.lock`;
  mkdirSync(root, { recursive: true });
  for (;;) {
    if (existsSync(join(dir, marker))) return dir;
    try {
      mkdirSync(lock);
    } catch {
      // Another test process builds it; a lock older than 5 minutes is left over from a crash.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      await sleep(250);
      continue;
    }
    try {
      const tmp = `${dir}.tmp${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      execFileSync('/usr/bin/python3', [script, tmp, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      renameSync(tmp, dir);
      // Models of earlier versions of the script are dead weight (the DeepLabV3 alone is 44 MB).
      for (const old of readdirSync(root))
        if (/^[0-9a-f]{16}(-bench|-[0-9a-f]{16})?$/.test(old) && !old.startsWith(hash)) rmSync(join(root, old), { recursive: true, force: true });
      return dir;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

export function readReferences(dir: string): References {
  return JSON.parse(readFileSync(join(dir, 'references.json'), 'utf8')) as References;
}

export function referenceImage(dir: string, model: string, kase: string, width: number, height: number): RgbImage {
  const b = readFileSync(join(dir, `${model}.${kase}.rgb`));
  return { width, height, channels: 3, data: new Uint8Array(b.buffer, b.byteOffset, b.byteLength) };
}

export function referenceLogits(dir: string, model: string, kase: string): Float32Array {
  const b = readFileSync(join(dir, `${model}.${kase}.logits`));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The classes the generated cards list (and a dataset that matches them). */
export const TEST_CLASSES = [
  { id: 0, name: 'background', color: [0, 0, 0] as [number, number, number] },
  { id: 1, name: 'cell', color: [128, 0, 0] as [number, number, number] },
  { id: 2, name: 'nucleus', color: [0, 128, 0] as [number, number, number] },
  { id: 3, name: 'debris', color: [128, 128, 0] as [number, number, number] },
];
