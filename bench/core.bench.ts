/**
 * Core speed (issue 2): confusion-matrix accumulation and indexed-PNG mask decode/encode on
 * 1024x1024 masks, single-threaded. When /usr/bin/python3 has numpy (and Pillow), the
 * reference figures are measured in the same run on the same masks. Each figure comes by wall
 * clock and by CPU time (steadier when other work shares the machine), with the load average.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultClasses, paletteFor } from '../src/core/classes';
import { decodeMask, encodeMask, MASK_ZLIB_LEVEL, type Mask } from '../src/core/mask/codec';
import { setMaskZlib, type MaskZlib, type ZlibLevel } from '../src/core/mask/zlib';
import { ConfusionMatrix } from '../src/core/metrics/confusion';
import { nodeZlib } from '../src/node/zlibCodec';
import { randInt, rng } from '../test/core/metrics/random';
import { encode } from 'fast-png';

const SIZE = 1024;
const PIXELS = SIZE * SIZE;
const NUM_CLASSES = 21;
const classes = defaultClasses(NUM_CLASSES);
const work = mkdtempSync(join(tmpdir(), 'seglab-bench-'));

function report(result: Record<string, unknown>): void {
  console.log(JSON.stringify(result));
}

interface Timing {
  /** Best wall-clock seconds of the passes. */
  wall: number;
  /** Best process CPU seconds: less disturbed by other load on a shared machine. */
  cpu: number;
}

/** Best of `runs` timed passes of fn, after one untimed pass that warms the JIT. */
function best(runs: number, fn: () => void): Timing {
  fn();
  const timing = { wall: Infinity, cpu: Infinity };
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    fn();
    const cpu = process.cpuUsage(cpuStart);
    timing.wall = Math.min(timing.wall, (performance.now() - start) / 1000);
    timing.cpu = Math.min(timing.cpu, (cpu.user + cpu.system) / 1e6);
  }
  return timing;
}

/** Mpx/s by wall clock and by CPU time, with the load average they were measured under. */
function speeds(pixels: number, t: Timing): Record<string, number> {
  return { mpxPerSec: round(pixels / t.wall / 1e6), cpuMpxPerSec: round(pixels / t.cpu / 1e6), loadAvg: round(loadavg()[0]) };
}

/**
 * A label-like mask: discs of random classes (10% void, 255) over background. The default is a
 * few large objects; `fine` masks hold many small ones, so many more boundaries.
 */
function labelMask(random: () => number, fine = false): Uint8Array {
  const data = new Uint8Array(PIXELS);
  for (let k = 0; k < (fine ? 800 : 40); k++) {
    const value = random() < 0.1 ? 255 : randInt(random, NUM_CLASSES);
    const cx = randInt(random, SIZE);
    const cy = randInt(random, SIZE);
    const r = fine ? 4 + randInt(random, 40) : 10 + randInt(random, 200);
    for (let y = Math.max(0, cy - r); y < Math.min(SIZE, cy + r); y++) {
      const half = Math.floor(Math.sqrt(r * r - (y - cy) ** 2));
      data.fill(value, y * SIZE + Math.max(0, cx - half), y * SIZE + Math.min(SIZE, cx + half));
    }
  }
  return data;
}

/** A prediction: the ground truth with ~5% of pixels replaced by random classes. */
function predictionFor(gt: Uint8Array, random: () => number): Uint8Array {
  const pred = gt.map((v) => (v === 255 ? 0 : v));
  for (let i = 0; i < pred.length; i += 1 + randInt(random, 40)) pred[i] = randInt(random, NUM_CLASSES);
  return pred;
}

function randomMask(random: () => number, values = 256): Uint8Array {
  const data = new Uint8Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) data[i] = randInt(random, values);
  return data;
}

/** Runs a Python snippet with SEGLAB_BENCH_PYTHON (default /usr/bin/python3); null if unavailable. */
function python(script: string, ...args: string[]): Record<string, number> | null {
  const env = { ...process.env };
  // Set for this machine's OpenBLAS elsewhere; numpy here runs without them.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const result = spawnSync(process.env.SEGLAB_BENCH_PYTHON ?? '/usr/bin/python3', ['-c', script, ...args], { env, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(`python reference skipped: ${(result.stderr || result.error?.message || '').trim().split('\n').pop()}`);
    return null;
  }
  return JSON.parse(result.stdout) as Record<string, number>;
}

/** Our speed next to a reference's (wall and CPU Mpx/s), under `prefix`, with the ratios. */
function compared(ours: Record<string, number>, prefix: string, ref: { wall: number; cpu: number } | null): Record<string, number | null> {
  return {
    ...ours,
    [`${prefix}MpxPerSec`]: ref ? round(ref.wall) : null,
    [`${prefix}CpuMpxPerSec`]: ref ? round(ref.cpu) : null,
    ratio: ref ? round(ours.mpxPerSec / ref.wall) : null,
    cpuRatio: ref ? round(ours.cpuMpxPerSec / ref.cpu) : null,
  };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Python helper: best wall and CPU time of 3 passes of fn over `pixels`, in Mpx/s. */
const PY_TIMED = `
import time
def timed(fn, pixels):
    fn()
    wall = cpu = 1e9
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - t), min(cpu, time.process_time() - c)
    return {"wall": pixels / wall / 1e6, "cpu": pixels / cpu / 1e6}
`;

/** torchvision's references/segmentation ConfusionMatrix.update, on the same masks. */
const NUMPY_BINCOUNT = `${PY_TIMED}
import json, sys, numpy as np
n, size = int(sys.argv[3]), int(sys.argv[4])
gt = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(-1, size * size)
pred = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(-1, size * size)
def run():
    mat = np.zeros((n, n), dtype=np.int64)
    for a, b in zip(gt, pred):
        k = (a >= 0) & (a < n)
        mat += np.bincount(n * a[k].astype(np.int64) + b[k], minlength=n * n).reshape(n, n)
print(json.dumps(timed(run, gt.size)))
`;

/**
 * Label masks with ~5% wrong pixels (the case), and uniformly random masks: no uniform
 * runs at all, the worst case for the accumulator's run fast path.
 */
function benchConfusion(content: 'labels' | 'random', masks: number): void {
  const random = rng(2024);
  const gt = new Uint8Array(masks * PIXELS);
  const pred = new Uint8Array(masks * PIXELS);
  for (let m = 0; m < masks; m++) {
    const g = content === 'labels' ? labelMask(random) : randomMask(random, NUM_CLASSES);
    gt.set(g, m * PIXELS);
    pred.set(content === 'labels' ? predictionFor(g, random) : randomMask(random, NUM_CLASSES), m * PIXELS);
  }
  const timing = best(3, () => {
    const cm = new ConfusionMatrix(NUM_CLASSES, 255);
    for (let m = 0; m < masks; m++) cm.accumulate(gt.subarray(m * PIXELS, (m + 1) * PIXELS), pred.subarray(m * PIXELS, (m + 1) * PIXELS));
  });
  writeFileSync(join(work, 'gt.bin'), gt);
  writeFileSync(join(work, 'pred.bin'), pred);
  const numpy = python(NUMPY_BINCOUNT, join(work, 'gt.bin'), join(work, 'pred.bin'), String(NUM_CLASSES), String(SIZE));
  const header = { name: 'confusion-matrix', content, masks, width: SIZE, height: SIZE, classes: NUM_CLASSES };
  report({ ...header, ...compared(speeds(masks * PIXELS, timing), 'numpy', numpy && { wall: numpy.wall, cpu: numpy.cpu }) });
}

/** Pillow encoding (default level 6) and decoding the same masks as 8-bit palette PNGs. */
const PILLOW_PNG = `${PY_TIMED}
import io, json, sys, numpy as np
from PIL import Image
size, palette = int(sys.argv[2]), [int(v) for v in sys.argv[3].split(',')]
masks = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(-1, size, size)
images = []
for m in masks:
    im = Image.fromarray(m, 'P')
    im.putpalette(palette)
    images.append(im)
def encode():
    out = []
    for im in images:
        buf = io.BytesIO()
        im.save(buf, format='PNG')
        out.append(buf.getvalue())
    return out
pngs = encode()
enc = timed(encode, masks.size)
dec = timed(lambda: [Image.open(io.BytesIO(b)).load() for b in pngs], masks.size)
print(json.dumps({"encWall": enc["wall"], "encCpu": enc["cpu"], "decWall": dec["wall"], "decCpu": dec["cpu"], "bytes": sum(map(len, pngs)) / len(pngs)}))
`;

function benchPng(content: 'labels' | 'random'): void {
  const count = 10;
  const random = rng(content === 'labels' ? 1 : 2);
  const masks: Mask[] = Array.from({ length: count }, () => ({
    width: SIZE,
    height: SIZE,
    data: content === 'labels' ? labelMask(random) : randomMask(random),
  }));
  const all = new Uint8Array(count * PIXELS);
  masks.forEach((m, i) => all.set(m.data, i * PIXELS));
  writeFileSync(join(work, 'masks.bin'), all);
  const pillow = python(PILLOW_PNG, join(work, 'masks.bin'), String(SIZE), paletteFor(classes, 255).flat().join(','));
  for (const [zlib, impl] of ZLIBS) {
    setMaskZlib(impl);
    let pngs: Uint8Array[] = [];
    const encodeTiming = best(3, () => {
      pngs = masks.map((m) => encodeMask(m, classes, 255));
    });
    const decodeTiming = best(3, () => {
      for (const png of pngs) decodeMask(png, { path: 'bench.png', classes });
    });
    const header = { content, zlib, masks: count, width: SIZE, height: SIZE };
    report({
      name: 'png-decode',
      ...header,
      ...compared(speeds(count * PIXELS, decodeTiming), 'pillow', pillow && { wall: pillow.decWall, cpu: pillow.decCpu }),
    });
    report({
      name: 'png-encode',
      ...header,
      zlibLevel: MASK_ZLIB_LEVEL,
      bytesPerMask: Math.round(pngs.reduce((sum, p) => sum + p.length, 0) / count),
      pillowBytesPerMask: pillow ? Math.round(pillow.bytes) : null,
      ...compared(speeds(count * PIXELS, encodeTiming), 'pillow', pillow && { wall: pillow.encWall, cpu: pillow.encCpu }),
    });
  }
}

/** Node's zlib (CLI, extension host, workers) and the portable fflate (browsers). */
const ZLIBS: [string, MaskZlib | undefined][] = [
  ['node', nodeZlib],
  ['fflate', undefined],
];

/** The speed/size tradeoff behind MASK_ZLIB_LEVEL, on few-object and many-object masks. */
function benchLevels(): void {
  setMaskZlib(nodeZlib);
  for (const content of ['labels', 'fine-labels']) {
    const random = rng(4);
    const masks: Mask[] = Array.from({ length: 5 }, () => ({ width: SIZE, height: SIZE, data: labelMask(random, content === 'fine-labels') }));
    for (const zlibLevel of [1, 2, 3, 4, 5, 6, 9] as ZlibLevel[]) {
      let bytes = 0;
      const timing = best(2, () => {
        bytes = 0;
        for (const m of masks) bytes += encodeMask(m, classes, 255, zlibLevel).length;
      });
      report({ name: 'png-encode-level', content, zlibLevel, bytesPerMask: Math.round(bytes / masks.length), ...speeds(masks.length * PIXELS, timing) });
    }
  }
}

/** RGB colour masks (CVAT exports) mapped through the class colours. */
function benchRgbDecode(): void {
  const random = rng(3);
  const palette = paletteFor(classes, 255);
  const pngs = Array.from({ length: 5 }, () => {
    const ids = labelMask(random);
    const rgb = new Uint8Array(PIXELS * 3);
    for (let i = 0; i < PIXELS; i++) rgb.set(palette[ids[i]], i * 3);
    return encode({ width: SIZE, height: SIZE, data: rgb, channels: 3, depth: 8 });
  });
  const timing = best(3, () => {
    for (const png of pngs) decodeMask(png, { path: 'bench.png', classes });
  });
  report({ name: 'png-decode-rgb', content: 'labels', masks: pngs.length, width: SIZE, height: SIZE, ...speeds(pngs.length * PIXELS, timing) });
}

try {
  benchConfusion('labels', 100);
  benchConfusion('random', 20);
  benchPng('labels');
  benchPng('random');
  benchLevels();
  benchRgbDecode();
} finally {
  rmSync(work, { recursive: true, force: true });
}
