import { defaultClasses, numClassesOf } from '../../core/classes';
import { datasetPairs, folderPairs, type EvalPair, type Evaluation } from '../../core/dataset/evaluate';
import type { FileSystem } from '../../core/fileSystem';
import { evaluateFresh } from '../../core/metrics/evaluateIncremental';
import { miouJson } from '../../core/metrics/report';
import { describeMapping, type ClassMapping } from '../../core/model/classMapping';
import { readManifest } from '../../core/model/manifest';
import { joinPath } from '../../core/paths';
import { NodeFileSystem } from '../../node/nodeFileSystem';
import { intOption, stringOption, UsageError, type Parsed } from '../args';
import { openDataset, type Command } from '../command';
import { count, json, percent, progress, reportProblems, table, type Io } from '../output';
import type { ClassDef } from '../../core/classes';

interface Run {
  pairs: EvalPair[];
  classes: ClassDef[];
  numClasses: number;
  ignoreIndex: number;
  /** How the model that wrote the predictions mapped its classes (from the folder's pre-label manifest). */
  mapping?: ClassMapping;
}

async function requireFolder(fs: FileSystem, path: string, what: string): Promise<void> {
  if ((await fs.stat(path))?.type !== 'directory') throw new UsageError(`${path}: no such folder (${what})`);
}

/** `--gt <dir> --pred <dir> --num-classes N`: two folders of masks paired by stem. */
async function folderRun(fs: FileSystem, parsed: Parsed): Promise<Run> {
  if (parsed.positionals.length > 0) throw new UsageError('give either <dataset> or --gt <dir>, not both');
  const gt = stringOption(parsed, 'gt') as string;
  const pred = stringOption(parsed, 'pred');
  const numClasses = intOption(parsed, 'num-classes', 1, 256);
  if (pred === undefined || numClasses === undefined) throw new UsageError('--gt needs --pred <dir> and --num-classes N');
  if (parsed.values.model !== undefined || parsed.values.split !== undefined) throw new UsageError('--model and --split need a <dataset>');
  const ignoreIndex = intOption(parsed, 'ignore-index', 0, 255) ?? 255;
  await requireFolder(fs, gt, '--gt');
  await requireFolder(fs, pred, '--pred');
  const classes = defaultClasses(numClasses).filter((c) => c.id !== ignoreIndex);
  return { pairs: await folderPairs(fs, gt, pred), classes, numClasses, ignoreIndex };
}

/** `<dataset> [--pred <dir> | --model <name>] [--split <name>]`. */
async function datasetRun(fs: FileSystem, parsed: Parsed): Promise<Run> {
  if (parsed.positionals.length !== 1) throw new UsageError('expected <dataset> (or --gt <dir> --pred <dir> --num-classes N)');
  if (parsed.values['num-classes'] !== undefined || parsed.values['ignore-index'] !== undefined) {
    throw new UsageError('--num-classes and --ignore-index go with --gt; a dataset has its own classes');
  }
  const index = await openDataset(fs, parsed.positionals[0]);
  const { config } = index;
  const predDir = stringOption(parsed, 'pred');
  let model = stringOption(parsed, 'model');
  if (predDir !== undefined && model !== undefined) throw new UsageError('give --pred <dir> or --model <name>, not both');
  const models = [...new Set(index.images.flatMap((e) => e.predictions))].sort();
  if (predDir !== undefined) await requireFolder(fs, predDir, '--pred');
  else if (model === undefined) {
    if (models.length === 0) {
      throw new UsageError(`${joinPath(index.root, config.predictionsDir)}: no prediction masks; pass --pred <dir>`);
    }
    model = models[0];
  } else if (!models.includes(model)) {
    throw new UsageError(`no predictions of model "${model}" (models: ${models.join(', ') || 'none'})`);
  }
  const split = stringOption(parsed, 'split');
  if (split !== undefined && !(split in config.splits)) {
    throw new UsageError(`unknown split "${split}" (splits: ${Object.keys(config.splits).join(', ') || 'none'})`);
  }
  const { mapping } = await readManifest(fs, predDir ?? joinPath(index.root, config.predictionsDir, model!), model ?? '', '');
  return {
    pairs: await datasetPairs(fs, index, { model, predDir, split }),
    classes: config.classes,
    numClasses: numClassesOf(config.classes),
    ignoreIndex: config.ignoreIndex,
    mapping,
  };
}

const WORST_SHOWN = 10;

function miouText(e: Evaluation): string {
  const s = e.scores;
  const classes = table(
    ['id', 'class', 'IoU', 'accuracy', 'gt px', 'pred px'],
    s.classes.map((c) => [String(c.id), c.name, percent(c.iou), percent(c.accuracy), count(c.gtPixels), count(c.predPixels)]),
    [0, 2, 3, 4, 5],
  );
  const worst = [...e.images].sort((a, b) => (a.miou ?? 2) - (b.miou ?? 2)).slice(0, WORST_SHOWN);
  const images = table(
    ['image', 'mIoU', 'pixel acc'],
    worst.map((i) => [i.name, percent(i.miou), percent(i.pixelAccuracy)]),
    [1, 2],
  );
  return [
    `mIoU            ${percent(s.miou)}`,
    `pixel accuracy  ${percent(s.pixelAccuracy)}`,
    `mean accuracy   ${percent(s.meanAccuracy)}`,
    `pixels          ${count(s.pixels)} scored, ${count(s.ignoredPixels)} ignored`,
    `images          ${count(e.images.length)} scored, ${count(e.missing.length)} without a prediction`,
    '',
    classes,
    ...(worst.length > 0 ? ['', `lowest mIoU (${worst.length} of ${e.images.length} images)`, images] : []),
  ].join('\n');
}

export const miouCommand: Command = {
  name: 'miou',
  summary: 'mIoU of prediction masks against label masks',
  help: `Usage: seglab miou <dataset> [--pred <dir> | --model <name>] [--split <name>] [--json]
       seglab miou --gt <dir> --pred <dir> --num-classes N [--ignore-index 255] [--json]

Scores prediction masks against labels with dataset-level semantics (one confusion matrix over
all pixels; ignore-index pixels skipped). With a dataset, predictions come from
<predictions>/<model>/ (default: the first model folder) or from --pred <dir>; masks pair by stem.

Options:
  --pred <dir>          folder of prediction masks
  --model <name>        model folder under the dataset's predictions folder
  --split <name>        only images of this split
  --gt <dir>            folder of label masks (with --pred and --num-classes)
  --num-classes N       classes 0..N-1 (with --gt)
  --ignore-index V      label value to skip (with --gt; default 255)
  --json                print {miou, pixelAccuracy, meanAccuracy, pixels, ignoredPixels, classes,
                        images, missing}, and classMapping for predictions seglab prelabel wrote
  -h, --help            show this help

Exit codes: 0 scored, 1 problems found (unreadable or mismatched masks, nothing to score),
2 usage error. Labels without a prediction are listed in "missing" (a note on stderr). For
predictions written by seglab prelabel, stderr says how the model's classes were mapped onto
the dataset's (pixels of unmapped model classes are unlabeled: counted as misses).`,
  options: {
    pred: { type: 'string' },
    model: { type: 'string' },
    split: { type: 'string' },
    gt: { type: 'string' },
    'num-classes': { type: 'string' },
    'ignore-index': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(parsed: Parsed, io: Io): Promise<number> {
    const fs = new NodeFileSystem();
    const run = parsed.values.gt !== undefined ? await folderRun(fs, parsed) : await datasetRun(fs, parsed);
    const evaluation = await evaluateFresh(fs, run.pairs, run, { onProgress: progress(io, 'scoring') });
    io.out(parsed.values.json ? json({ ...miouJson(evaluation), ...(run.mapping ? { classMapping: run.mapping } : {}) }) : miouText(evaluation));
    if (run.mapping) io.err(`seglab miou: the predictions' classes: ${describeMapping(run.mapping, run)}`);
    reportProblems(io, evaluation.problems);
    if (evaluation.missing.length > 0) {
      io.err(`seglab miou: ${evaluation.missing.length} labeled images have no prediction (listed in "missing")`);
    }
    if (evaluation.images.length === 0) {
      io.err('seglab miou: no image could be scored');
      return 1;
    }
    return evaluation.problems.length > 0 ? 1 : 0;
  },
};
