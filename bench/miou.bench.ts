/**
 * Full mIoU computation speed (issue 7: 10,000 pairs of 512x512 masks in under 10 s on the
 * 2-core machine, decode included). Label and prediction masks (a few classes as blobs, an
 * ignore band) are generated once in the temp folder: 500 distinct pairs, each written under 20
 * names, all real files. The run is the view's: a worker pool reading, hashing, decoding and
 * counting every pair with an empty cache, then the merge. Also reports a warm rerun (cache
 * hit: read and hash only) and a split of one pair's time between decode and counting. CPU
 * seconds (all threads) are printed too: on the shared 2-core machine other jobs inflate the wall
 * time, and CPU seconds / 2 is what an idle machine would take.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMask, decodeMask } from '../src/core/mask/codec';
import { setMaskZlib } from '../src/core/mask/zlib';
import { cacheFingerprint, MatrixCache } from '../src/core/metrics/cache';
import { ConfusionMatrix } from '../src/core/metrics/confusion';
import { evaluateIncremental, type ScoreSettings } from '../src/core/metrics/evaluateIncremental';
import { WorkerPool } from '../src/miou/workerPool';
import { nodeZlib } from '../src/node/zlibCodec';
import { maskPair, MIOU_CLASSES } from '../test/miou/generate';
import { workerBundle } from '../test/miou/workerBundle';

const PAIRS = 10_000;
const DISTINCT = 500;
const SIZE = 512;
const root = join(tmpdir(), `seglab-bench-miou-${PAIRS}`);
const complete = join(root, '.complete');

function createDataset(): void {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'gt'), { recursive: true });
  mkdirSync(join(root, 'pred'), { recursive: true });
  for (let d = 0; d < DISTINCT; d++) {
    const { gt, pred } = maskPair(d, SIZE, SIZE);
    const files = [gt, pred].map((data) => encodeMask({ width: SIZE, height: SIZE, data }, MIOU_CLASSES, 255));
    for (let i = d; i < PAIRS; i += DISTINCT) {
      writeFileSync(join(root, 'gt', `${i}.png`), files[0]);
      writeFileSync(join(root, 'pred', `${i}.png`), files[1]);
    }
  }
  writeFileSync(complete, '');
}

async function main(): Promise<void> {
  const started = Date.now();
  if (!existsSync(complete)) createDataset();
  const generated = (Date.now() - started) / 1000;

  const settings: ScoreSettings = { classes: MIOU_CLASSES, numClasses: MIOU_CLASSES.length, ignoreIndex: 255 };
  const pairs = Array.from({ length: PAIRS }, (_, i) => ({ name: String(i), gt: join(root, 'gt', `${i}.png`), pred: join(root, 'pred', `${i}.png`) }));
  const pool = new WorkerPool(await workerBundle(), 2);
  const cache = new MatrixCache(settings.numClasses, settings.ignoreIndex, cacheFingerprint(settings.classes, settings.numClasses, settings.ignoreIndex));
  const time = async (c: MatrixCache) => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const e = await evaluateIncremental(pairs, c, pool.scorer(settings), { settings });
    const cpu = process.cpuUsage(cpu0);
    return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, e };
  };
  const cold = await time(cache);
  const warm = await time(cache);
  pool.dispose();
  if (cold.e.images.length !== PAIRS || cold.e.problems.length > 0)
    throw new Error(`scored ${cold.e.images.length} of ${PAIRS}; ${cold.e.problems.length} problems`);

  // Where one pair's time goes, in this thread.
  const { gt, pred } = maskPair(0, SIZE, SIZE);
  const file = encodeMask({ width: SIZE, height: SIZE, data: gt }, MIOU_CLASSES, 255);
  const per = (f: () => void, n = 40) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    return +((performance.now() - t0) / n).toFixed(3);
  };
  const opts = { path: 'x', classes: MIOU_CLASSES };
  const split = {
    decodeNodeZlibMs: per(() => (setMaskZlib(nodeZlib), decodeMask(file, opts))),
    decodeFflateMs: per(() => (setMaskZlib(undefined), decodeMask(file, opts))),
    countMs: per(() => new ConfusionMatrix(5).accumulate(gt, pred)),
  };

  const r = (s: number) => +s.toFixed(3);
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((l) => +l.toFixed(2)) };
  console.log(
    JSON.stringify({
      name: 'miou-10k',
      pairs: PAIRS,
      seconds: r(cold.seconds),
      cpuSeconds: r(cold.cpuSeconds),
      workers: pool.size,
      miou: cold.e.scores.miou,
      machine,
    }),
  );
  console.log(
    JSON.stringify({ name: 'miou-10k-warm-cache', pairs: PAIRS, seconds: r(warm.seconds), cpuSeconds: r(warm.cpuSeconds), rescoredFromCache: warm.e.rescored }),
  );
  console.log(JSON.stringify({ name: 'miou-pair-split', size: SIZE, avgFileBytes: file.length, ...split, generatedSeconds: r(generated) }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
