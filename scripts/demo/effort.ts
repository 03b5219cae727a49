/**
 * The effort curve (issue 20): a scripted labeling session on the demo dataset, whose generator
 * knows every image's true mask. It starts with `step` labeled images and no model; each round
 * fine-tunes on the labels so far as Fine-tune Model… does (package, upload, a time-budget job on
 * the training service, download; from the second round on it continues the previous round's job),
 * pre-labels the unlabeled images with SegLab's own pre-labeler and scores those pre-labels against
 * the truth with SegLab's mIoU code: the share of pixels a person would still correct
 * (1 − pixel accuracy) and their mIoU. Then `step` more images are "labeled" (the ground truth
 * stands in for the person) until all are. bench/effort.bench.ts runs the whole session,
 * test/demo/effort.test.ts one short round.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configToJson, CONFIG_FILE } from '../../src/core/dataset/config';
import { loadDataset } from '../../src/core/dataset/datasetIndex';
import type { DatasetConfig } from '../../src/core/dataset/types';
import { evaluateFresh } from '../../src/core/metrics/evaluateIncremental';
import { loadModel } from '../../src/core/model/load';
import { prelabelDataset } from '../../src/core/model/prelabelDataset';
import { BUDGET_EPOCH_CAP } from '../../src/core/training/runTime';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { createNativeBackend } from '../../src/node/onnxBackends';
import type { JobParams, TrainingClient } from '../../src/training/client';
import type { StoredModel } from '../../src/training/downloadModel';
import { fineTune, startingPoint } from '../../src/training/fineTune';
import { DEMO_CLASSES, planDemo } from './generate';
import { IGNORE } from './scene';
import { writeImage } from './worker';

export interface EffortOptions {
  /** An empty work folder: the session's dataset goes to `dataset/`, the true masks to `truth/`. */
  root: string;
  client: TrainingClient;
  /** Demo images and their side in pixels. */
  count: number;
  size: number;
  /** Images labeled at the start and in each round. */
  step: number;
  /** Each round's time budget (the job's `minutes`). */
  minutes: number;
  /** The first round's architecture (later rounds continue the previous round's job). */
  arch: Omit<JobParams, 'dataset'>;
  /** Stop after this many rounds (default: until every image is labeled). */
  rounds?: number;
  seed?: number;
  log?(line: string): void;
}

export interface EffortRound {
  round: number;
  /** Labeled images the round trained on. */
  labeled: number;
  /** Unlabeled images pre-labeled and scored. */
  unlabeled: number;
  model: string;
  job: string;
  epochs: number | null;
  /** The trainer's own val mIoU of the kept epoch (on the labeled images' val split). */
  valMiou: number | null;
  /** Share of the unlabeled images' pixels whose pre-label is wrong: what a person corrects. */
  pixelsToCorrect: number;
  /** mIoU of the pre-labels against the true masks. */
  miou: number | null;
  trainSeconds: number;
  prelabelSeconds: number;
}

const fs = new NodeFileSystem();

/** Writes every demo image into `dataset/images` and every true mask into `truth/`; the dataset starts without masks or splits. */
export function writeSessionData(root: string, count: number, size: number, seed: number): { config: DatasetConfig; stems: string[] } {
  const config: DatasetConfig = {
    name: 'Microscopy demo (effort session)',
    classes: DEMO_CLASSES,
    ignoreIndex: IGNORE,
    imagesDir: 'images',
    masksDir: 'masks',
    predictionsDir: 'predictions',
    splits: {},
  };
  const { stems } = planDemo(count);
  for (const dir of ['dataset/images', 'dataset/masks', 'truth']) mkdirSync(join(root, dir), { recursive: true });
  stems.forEach((stem, index) =>
    writeImage({ index, seed, size, labeled: true, image: join(root, 'dataset', 'images', `${stem}.jpg`), mask: join(root, 'truth', `${stem}.png`) }, config),
  );
  writeFileSync(join(root, 'dataset', CONFIG_FILE), configToJson(config));
  return { config, stems };
}

export async function runEffortSession(o: EffortOptions): Promise<EffortRound[]> {
  const { config, stems } = writeSessionData(o.root, o.count, o.size, o.seed ?? 1);
  const datasetRoot = join(o.root, 'dataset');
  const rounds: EffortRound[] = [];
  let previous: StoredModel | undefined;
  for (let round = 1; round * o.step < o.count && round <= (o.rounds ?? Infinity); round++) {
    const labeled = round * o.step;
    for (const stem of stems.slice(labeled - o.step, labeled)) copyFileSync(join(o.root, 'truth', `${stem}.png`), join(datasetRoot, 'masks', `${stem}.png`));
    const index = await loadDataset(fs, datasetRoot);
    const start = previous ? await startingPoint(o.client, previous.card) : { params: o.arch };
    if (!start) throw new Error(`${previous?.name}: the trainer cannot continue this model`);
    const params = { ...start.params, epochs: BUDGET_EPOCH_CAP, minutes: o.minutes };
    o.log?.(`round ${round}: ${labeled} labeled, training ${JSON.stringify(params)}`);
    const { job, model } = await fineTune(o.client, fs, index, params, `effort-round-${round}`, { log: (line) => o.log?.(`  ${line}`) });
    if (!model) throw new Error(`round ${round}: job ${job.id} ${job.state}: ${job.error ?? 'no reason given'}`);
    const loaded = await loadModel({ fs, createBackend: (b) => createNativeBackend(b, { threads: 2 }) }, model.onnxPath, {
      classes: config.classes,
      ignoreIndex: config.ignoreIndex,
      path: datasetRoot,
    });
    const prelabeled = await prelabelDataset(fs, index, loaded, { onlyUnlabeled: true }).finally(() => loaded.backend.release());
    if (prelabeled.failed.length > 0)
      throw new Error(`round ${round}: pre-labeling failed: ${prelabeled.failed.map((f) => `${f.path}: ${f.message}`).join('; ')}`);
    const unlabeled = stems.slice(labeled);
    const pairs = unlabeled.map((stem) => ({ name: stem, gt: join(o.root, 'truth', `${stem}.png`), pred: join(prelabeled.outDir, `${stem}.png`) }));
    const scored = await evaluateFresh(fs, pairs, { classes: config.classes, numClasses: config.classes.length, ignoreIndex: config.ignoreIndex });
    if (scored.problems.length > 0 || scored.missing.length > 0) {
      throw new Error(
        `round ${round}: ${[...scored.problems.map((p) => `${p.path}: ${p.message}`), ...scored.missing.map((m) => `${m}: no pre-label`)].join('; ')}`,
      );
    }
    const seconds = (a?: string | null, b?: string | null) => (a && b ? (Date.parse(b) - Date.parse(a)) / 1000 : NaN);
    rounds.push({
      round,
      labeled,
      unlabeled: unlabeled.length,
      model: model.name,
      job: job.id,
      epochs: job.epoch ?? null,
      valMiou: job.metrics?.miou ?? null,
      pixelsToCorrect: 1 - (scored.scores.pixelAccuracy ?? 0),
      miou: scored.scores.miou,
      trainSeconds: seconds(job.startedAt, job.finishedAt),
      prelabelSeconds: prelabeled.seconds,
    });
    o.log?.(`round ${round}: ${JSON.stringify(rounds[rounds.length - 1])}`);
    previous = model;
  }
  return rounds;
}
