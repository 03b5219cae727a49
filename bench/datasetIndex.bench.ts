/**
 * Dataset index speed (issue 2: 100,000 image/mask pairs in under 3 s). A VOC-layout folder of
 * 100,000 tiny JPEG/PNG stand-ins plus a 100,000-line split file is created once in the temp
 * folder and reused by later runs; loadDataset then indexes it through the Node FileSystem.
 * Reports the best of a few runs (wall and CPU seconds), the first run, and the load average.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../src/core/dataset/datasetIndex';
import { NodeFileSystem } from '../src/node/nodeFileSystem';

const PAIRS = 100_000;
const RUNS = 3;
const root = join(tmpdir(), `seglab-bench-index-${PAIRS}`);
const done = join(root, '.complete');

function createDataset(): void {
  rmSync(root, { recursive: true, force: true });
  for (const dir of ['JPEGImages', 'SegmentationClass', 'ImageSets/Segmentation']) mkdirSync(join(root, dir), { recursive: true });
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const stems: string[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const stem = `img_${String(i).padStart(6, '0')}`;
    stems.push(stem);
    writeFileSync(join(root, 'JPEGImages', `${stem}.jpg`), jpeg);
    writeFileSync(join(root, 'SegmentationClass', `${stem}.png`), png);
  }
  writeFileSync(join(root, 'ImageSets', 'Segmentation', 'train.txt'), stems.join('\n') + '\n');
  writeFileSync(done, '');
}

async function main(): Promise<void> {
  if (!existsSync(done)) {
    const start = performance.now();
    createDataset();
    console.error(`created ${PAIRS} pairs in ${root} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  }
  const fs = new NodeFileSystem();
  const runs: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    const index = await loadDataset(fs, root);
    const used = process.cpuUsage(cpu);
    runs.push({ wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 });
    const labeled = index.images.filter((e) => e.status === 'labeled' && e.splits.length === 1).length;
    if (labeled !== PAIRS || index.problems.length > 0) throw new Error(`indexed ${labeled} labeled pairs, ${index.problems.length} problems`);
  }
  const round = (v: number) => Math.round(v * 1000) / 1000;
  console.log(
    JSON.stringify({
      name: 'dataset-index',
      pairs: PAIRS,
      seconds: round(Math.min(...runs.map((r) => r.wall))),
      cpuSeconds: round(Math.min(...runs.map((r) => r.cpu))),
      firstSeconds: round(runs[0].wall),
      loadavg: round(loadavg()[0]),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
