/**
 * mIoU reports: the JSON of `seglab miou --json` (also the view's JSON export), Markdown and CSV.
 * One builder, so the CLI, the view and the exported files show the same numbers.
 */
import type { Evaluation } from '../dataset/evaluate';
import type { ClassScore } from './scores';

export interface MiouJson {
  miou: number | null;
  pixelAccuracy: number | null;
  meanAccuracy: number | null;
  pixels: number;
  ignoredPixels: number;
  classes: ClassScore[];
  images: Array<{ name: string; miou: number | null; pixelAccuracy: number | null }>;
  missing: string[];
}

/** The `--json` shape of `seglab miou`. */
export function miouJson(e: Pick<Evaluation, 'scores' | 'images' | 'missing'>): MiouJson {
  const { miou, pixelAccuracy, meanAccuracy, pixels, ignoredPixels } = e.scores;
  return {
    miou,
    pixelAccuracy,
    meanAccuracy,
    pixels,
    ignoredPixels,
    classes: e.scores.classes.map(({ id, name, iou, accuracy, intersection, union, gtPixels, predPixels }) => ({
      id,
      name,
      iou,
      accuracy,
      intersection,
      union,
      gtPixels,
      predPixels,
    })),
    images: e.images.map(({ name, miou, pixelAccuracy }) => ({ name, miou, pixelAccuracy })),
    missing: e.missing,
  };
}

/** What the report is about, printed in its title lines. */
export interface ReportContext {
  dataset: string;
  model: string;
  split: string;
  /** ISO date of the computation. */
  date: string;
  /** How the model's classes were mapped onto the dataset's (core describeMapping), when the predictions record it. */
  classMapping?: string;
}

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);
/** Table cells must not break the Markdown row. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

const WORST_IN_REPORT = 20;

export function miouMarkdown(r: MiouJson, ctx: ReportContext): string {
  const worst = [...r.images].sort((a, b) => (a.miou ?? 2) - (b.miou ?? 2)).slice(0, WORST_IN_REPORT);
  return [
    `# mIoU report: ${cell(ctx.dataset)}`,
    '',
    `Model \`${ctx.model}\`, split ${ctx.split}, computed ${ctx.date}.`,
    ...(ctx.classMapping ? ['', `Class mapping: ${ctx.classMapping}.`] : []),
    '',
    '| metric | value |',
    '|---|---:|',
    `| mIoU | ${pct(r.miou)} |`,
    `| pixel accuracy | ${pct(r.pixelAccuracy)} |`,
    `| mean class accuracy | ${pct(r.meanAccuracy)} |`,
    `| images scored | ${r.images.length} |`,
    `| labeled images without a prediction | ${r.missing.length} |`,
    `| pixels scored / ignored | ${r.pixels} / ${r.ignoredPixels} |`,
    '',
    '## Classes',
    '',
    '| id | class | IoU | accuracy | gt pixels | predicted pixels |',
    '|---:|---|---:|---:|---:|---:|',
    ...r.classes.map((c) => `| ${c.id} | ${cell(c.name)} | ${pct(c.iou)} | ${pct(c.accuracy)} | ${c.gtPixels} | ${c.predPixels} |`),
    '',
    `## Lowest mIoU (${worst.length} of ${r.images.length} images)`,
    '',
    '| image | mIoU | pixel accuracy |',
    '|---|---:|---:|',
    ...worst.map((i) => `| ${cell(i.name)} | ${pct(i.miou)} | ${pct(i.pixelAccuracy)} |`),
    '',
  ].join('\n');
}

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per class, then a `mean` row (mIoU, mean class accuracy); unrounded numbers. */
export function miouCsv(r: MiouJson): string {
  const rows: Array<Array<string | number | null>> = [
    ['id', 'class', 'iou', 'accuracy', 'intersection', 'union', 'gt_pixels', 'pred_pixels'],
    ...r.classes.map((c) => [c.id, c.name, c.iou, c.accuracy, c.intersection, c.union, c.gtPixels, c.predPixels]),
    ['', 'mean', r.miou, r.meanAccuracy, '', '', r.pixels, ''],
  ];
  return rows.map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}
