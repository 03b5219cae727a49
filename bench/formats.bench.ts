/**
 * Label formats (issue 21): COCO RLE encode and decode of label maps (from and to the in-memory
 * class map, every class of the mask), Label Studio's brush RLE for comparison, and whole-dataset
 * conversions (plain -> COCO, COCO -> plain) of SEGLAB_BENCH_FORMATS_IMAGES masks of 512x512
 * (default 1000), next to the mask codec's own PNG decode + encode of the same masks: the
 * conversions should be bounded by PNG, not by the RLE. Single-threaded; figures by wall clock
 * and CPU time with the load average, as in core.bench.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultClasses } from '../src/core/classes';
import { countsFromString, countsToString, encodeLabelMap, paintRle, toRowMajor } from '../src/core/formats/cocoRle';
import { readSource, writeTarget } from '../src/core/formats/formats';
import { decodeBrush, encodeBrush, labelRuns } from '../src/core/formats/labelStudioRle';
import { decodeMask, encodeMask } from '../src/core/mask/codec';
import { NodeFileSystem } from '../src/node/nodeFileSystem';
import { useNodeZlib } from '../src/node/zlibCodec';
import { randInt, rng } from '../test/core/metrics/random';
import { pngImage, writeFile } from '../test/core/dataset/fixtures';

const NUM_CLASSES = 21;
const classes = defaultClasses(NUM_CLASSES);

const round = (v: number) => Math.round(v * 100) / 100;
const report = (result: Record<string, unknown>) => console.log(JSON.stringify({ ...result, loadAvg: round(loadavg()[0]) }));

/** Best wall and CPU seconds of `runs` passes, after one untimed warm-up. */
function best(runs: number, fn: () => void): { wall: number; cpu: number } {
  fn();
  const t = { wall: Infinity, cpu: Infinity };
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    fn();
    const cpu = process.cpuUsage(cpu0);
    t.wall = Math.min(t.wall, (performance.now() - start) / 1000);
    t.cpu = Math.min(t.cpu, (cpu.user + cpu.system) / 1e6);
  }
  return t;
}

const speed = (pixels: number, t: { wall: number; cpu: number }) => ({ mpxPerSec: round(pixels / t.wall / 1e6), cpuMpxPerSec: round(pixels / t.cpu / 1e6) });

/** Discs of random classes (10% ignore) over background: few large objects, or many small ones when `fine`. */
function labelMask(random: () => number, size: number, fine = false): Uint8Array {
  const data = new Uint8Array(size * size);
  for (let k = 0; k < (fine ? 800 : 40); k++) {
    const value = random() < 0.1 ? 255 : randInt(random, NUM_CLASSES);
    const [cx, cy] = [randInt(random, size), randInt(random, size)];
    const r = Math.round(((fine ? 4 + randInt(random, 40) : 10 + randInt(random, 200)) * size) / 1024);
    for (let y = Math.max(0, cy - r); y < Math.min(size, cy + r); y++) {
      const half = Math.floor(Math.sqrt(r * r - (y - cy) ** 2));
      data.fill(value, y * size + Math.max(0, cx - half), y * size + Math.min(size, cx + half));
    }
  }
  return data;
}

function rleBenchmarks(size: number, fine: boolean): void {
  const random = rng(size + (fine ? 1 : 0));
  const masks = Array.from({ length: 8 }, () => labelMask(random, size, fine));
  const pixels = masks.length * size * size;
  const kind = `${size}x${size} ${fine ? 'fine' : 'typical'}`;
  const rles = masks.map((m) => encodeLabelMap(m, size, size));
  const runs = rles.reduce((sum, r) => sum + [...r.values()].reduce((s, c) => s + c.length, 0), 0);
  report({
    bench: 'coco-rle-encode',
    masks: kind,
    runsPerMask: Math.round(runs / masks.length),
    ...speed(
      pixels,
      best(5, () => masks.forEach((m) => encodeLabelMap(m, size, size))),
    ),
  });
  const strings = rles.map((r) => [...r].map(([v, c]) => [v, countsToString(c)] as const));
  const encodeStrings = () => masks.forEach((m) => [...encodeLabelMap(m, size, size).values()].forEach((c) => countsToString(c)));
  report({ bench: 'coco-rle-encode-compressed', masks: kind, ...speed(pixels, best(5, encodeStrings)) });
  const columns = new Uint8Array(size * size);
  const labelMap = new Uint8Array(size * size);
  const decode = (compressed: boolean) => () => {
    masks.forEach((_, k) => {
      for (const [v, s] of strings[k]) paintRle(compressed ? countsFromString(s) : rles[k].get(v)!, columns, v);
      toRowMajor(columns, size, size, labelMap);
    });
  };
  report({ bench: 'coco-rle-decode', masks: kind, ...speed(pixels, best(5, decode(false))) });
  report({ bench: 'coco-rle-decode-compressed', masks: kind, ...speed(pixels, best(5, decode(true))) });
  const brushesOf = (m: Uint8Array) => {
    const runs = labelRuns(m);
    return [...new Set(runs.values)].map((v) => encodeBrush(runs, v));
  };
  const brushes = masks.map(brushesOf);
  report({
    bench: 'labelstudio-brush-encode',
    masks: kind,
    ...speed(
      pixels,
      best(2, () => masks.forEach(brushesOf)),
    ),
  });
  report({
    bench: 'labelstudio-brush-decode',
    masks: kind,
    ...speed(
      pixels,
      best(2, () => brushes.forEach((bs) => bs.forEach((b) => decodeBrush(b, size * size)))),
    ),
  });
}

async function datasetBenchmarks(): Promise<void> {
  const count = Number(process.env.SEGLAB_BENCH_FORMATS_IMAGES ?? 1000);
  const size = 512;
  const fs = new NodeFileSystem();
  const work = mkdtempSync(join(tmpdir(), 'seglab-bench-formats-'));
  try {
    const random = rng(42);
    const image = pngImage(size, size);
    const masks = Array.from({ length: count }, () => encodeMask({ width: size, height: size, data: labelMask(random, size) }, classes, 255));
    masks.forEach((png, i) => {
      const stem = `img_${String(i).padStart(5, '0')}`;
      writeFile(join(work, 'plain', 'images', `${stem}.png`), image);
      writeFile(join(work, 'plain', 'masks', `${stem}.png`), png);
    });
    writeFile(join(work, 'plain', 'seglab.json'), JSON.stringify({ classes }));
    const pixels = count * size * size;
    const codec = best(1, () => masks.forEach((png) => encodeMask(decodeMask(png, { path: 'mask.png', classes }), classes, 255)));
    report({ bench: 'mask-codec-decode-encode', masks: `${count} x ${size}x${size}`, ...speed(pixels, codec) });
    for (const [from, to, src, dst] of [
      ['native', 'coco', 'plain', 'coco'],
      ['coco', 'plain', 'coco', 'back'],
    ] as const) {
      const start = performance.now();
      const cpu0 = process.cpuUsage();
      const result = await writeTarget(fs, await readSource(fs, join(work, src), from), join(work, dst), to);
      const cpu = process.cpuUsage(cpu0);
      const t = { wall: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
      report({
        bench: `convert-${from}-to-${to}`,
        masks: `${count} x ${size}x${size}`,
        converted: result.masks,
        seconds: round(t.wall),
        masksPerSec: round(count / t.wall),
        ...speed(pixels, t),
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

useNodeZlib();
for (const size of [512, 1024]) rleBenchmarks(size, false);
rleBenchmarks(512, true);
datasetBenchmarks().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
