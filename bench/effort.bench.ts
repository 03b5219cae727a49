/**
 * The effort curve (issue 20), `npm run bench -- effort`: scripts/demo/effort.ts's labeling session
 * on demo images (8 labeled at the start and 8 more a round, the ground truth standing in for the
 * person; each round a U-Net fine-tuned with the default CPU round budget on the local training
 * service, then SegLab's pre-labeler on the rest). Prints one JSON line a round and writes
 * bench/results/effort.json and bench/results/effort.png (the mIoU view's line chart, drawn in
 * headless Chromium). SEGLAB_EFFORT_COUNT, _SIZE, _MINUTES change the session's size and budget.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ROUND_MINUTES } from '../src/core/training/continuous';
import { TrainingClient } from '../src/training/client';
import { runEffortSession } from '../scripts/demo/effort';
import { startService } from '../test/training/fixtures';
import { renderEffortChart } from './effortChart';

const env = (name: string, fallback: number) => Number(process.env[`SEGLAB_EFFORT_${name}`] ?? fallback);
const COUNT = env('COUNT', 40);
const SIZE = env('SIZE', 256);
const STEP = 8;
const MINUTES = env('MINUTES', DEFAULT_ROUND_MINUTES.cpu);
/** The CPU default the issue names: a U-Net of base 16. */
const ARCH = { arch: 'unet', unetBase: 16 };

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'seglab-effort-'));
  const service = await startService(join(root, 'service'));
  const started = Date.now();
  const load = loadavg()[0];
  try {
    const rounds = await runEffortSession({
      root,
      client: new TrainingClient(service.url, service.token),
      count: COUNT,
      size: SIZE,
      step: STEP,
      minutes: MINUTES,
      arch: ARCH,
      log: (line) => console.error(line),
    });
    for (const r of rounds) console.log(JSON.stringify({ bench: 'effort', ...r }));
    const results = join(__dirname, 'results');
    mkdirSync(results, { recursive: true });
    const conditions = {
      images: COUNT,
      size: SIZE,
      step: STEP,
      minutesPerRound: MINUTES,
      arch: ARCH,
      cpu: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
      loadAverageAtStart: Number(load.toFixed(2)),
      loadAverageAtEnd: Number(loadavg()[0].toFixed(2)),
      wallSeconds: Math.round((Date.now() - started) / 1000),
    };
    writeFileSync(join(results, 'effort.json'), JSON.stringify({ conditions, rounds }, null, 2) + '\n');
    const title = `Pixels to correct per unlabeled image (%): demo, ${COUNT} images of ${SIZE}², ${MINUTES} min CPU rounds`;
    await renderEffortChart(rounds, title, join(results, 'effort.png'));
    console.error(`wrote ${join(results, 'effort.json')} and effort.png`);
  } finally {
    await service.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
