import { DEFAULT_WAND_TOLERANCE } from '../../core/editing/fill';
import { DEFAULT_MAX_CLICKS, DEFAULT_THRESHOLDS, type NocRow } from '../../core/interactive/noc';
import { nocDataset, promptableMethod, wandMethod, type NocMethod, type NocResult } from '../../core/interactive/nocDataset';
import { DEFAULT_MIN_AREA } from '../../core/interactive/targets';
import { releasePromptableModel, type PromptableModel } from '../../core/model/promptable/load';
import { NodeFileSystem } from '../../node/nodeFileSystem';
import { loadNativePromptable } from '../../node/promptableSessions';
import { intOption, stringOption, UsageError, type Parsed } from '../args';
import { openDataset, type Command } from '../command';
import { count, json, progress, reportProblems, table, type Io } from '../output';

/** `--targets 0.85,0.9`: IoU thresholds in (0, 1]. */
export function parseThresholds(text: string): number[] {
  const values = text.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (values.some((v) => !(v > 0 && v <= 1)))
    throw new UsageError(`--targets expects IoU thresholds from 0 to 1 separated by commas (0.85,0.9), got "${text}"`);
  return values;
}

/** 0.85 -> "85", 0.875 -> "87.5": the field's NoC@85 naming. */
const pct = (t: number) => String(Math.round(t * 1000) / 10);
const fixed = (v: number, digits: number) => (Number.isNaN(v) ? '-' : v.toFixed(digits));

function nocText(result: NocResult, method: string, names: (id: number) => string): string {
  const { summary } = result;
  const { thresholds, maxClicks } = summary;
  const shownK = [...new Set([1, 2, 3, 5, 10, maxClicks].filter((k) => k <= maxClicks))];
  const header = ['class', 'targets', ...thresholds.map((t) => `NoC@${pct(t)}`), ...thresholds.map((t) => `NoF@${pct(t)}`), ...shownK.map((k) => `IoU@${k}`)];
  const cells = (name: string, r: NocRow) => [
    name,
    count(r.targets),
    ...r.noc.map((v) => fixed(v, 2)),
    ...r.nof.map((v) => (Number.isNaN(v) ? '-' : `${(v * 100).toFixed(1)}%`)),
    ...shownK.map((k) => fixed(r.meanIou[k - 1], 3)),
  ];
  const rows = [cells('all', summary.overall), ...summary.classes.map((c) => cells(names(c.classId), c))];
  return [
    `method      ${method}`,
    `images      ${count(result.images)} labeled, ${count(summary.overall.targets)} targets`,
    `max clicks  ${maxClicks}`,
    '',
    table(header, rows, header.map((_, i) => i).slice(1)),
  ].join('\n');
}

function resultJson(result: NocResult, method: Record<string, unknown>, names: (id: number) => string) {
  const { summary } = result;
  const rowJson = (r: NocRow) => ({ targets: r.targets, noc: r.noc, nof: r.nof, meanIou: r.meanIou });
  return {
    method,
    thresholds: summary.thresholds,
    maxClicks: summary.maxClicks,
    images: result.images,
    overall: rowJson(summary.overall),
    classes: summary.classes.map((c) => ({ id: c.classId, name: names(c.classId), ...rowJson(c) })),
    targets: result.rows.map((r) => ({ ...r, className: names(r.classId), clicks: r.clicks.map((c) => [c.x, c.y, c.positive ? 1 : 0]) })),
    problems: result.problems,
  };
}

export const nocCommand: Command = {
  name: 'noc',
  summary: 'NoC@85/90 of a promptable model (or the magic wand) with simulated clicks on labeled images',
  help: `Usage: seglab noc <dataset> (--model <card.json> | --wand [--tolerance N]) [--split <name>]
                  [--targets 0.85,0.9] [--max-clicks 20] [--min-area 64] [--json]

The interactive-segmentation benchmark of RITM and SimpleClick. Targets: each 4-connected region
of each non-background class (class 0 is background) with at least --min-area pixels. A
simulated user clicks each target --max-clicks times: first at the target pixel farthest from its
boundary, then at the pixel farthest from the boundary of the largest error region (missed pixels:
a positive click; wrongly selected ones: a negative click); ignore pixels are never clicked and
are left out of the IoU. NoC@t is the number of clicks until IoU >= t (max-clicks when never
reached); NoF@t the share of targets that never reach t; IoU@k the mean IoU after k clicks.

--model runs a promptable model (its encoder once per image, the decoder per click with every
click so far and the previous mask's logits); --wand runs the mask editor's magic wand instead
(a positive click adds its region, a negative click removes it): the model-free baseline.

Options:
  --model <card.json>   a promptable model's card (seglab card <encoder.onnx> <decoder.onnx>)
  --wand                the magic-wand baseline
  --tolerance N         the wand's tolerance, 0-255 (default ${DEFAULT_WAND_TOLERANCE}, the editor's)
  --split <name>        only labeled images of this split
  --targets t,t         IoU thresholds (default ${DEFAULT_THRESHOLDS.join(',')})
  --max-clicks N        clicks per target (default ${DEFAULT_MAX_CLICKS})
  --min-area N          smallest target in pixels (default ${DEFAULT_MIN_AREA})
  --threads N           inference threads (default: cores, at most 4)
  --json                print {method, thresholds, maxClicks, images, overall, classes, targets,
                        problems}; noc and nof are in the order of thresholds, meanIou[k-1] is
                        the mean IoU after k clicks, each target row has its clicks [x, y, 1|0]
  -h, --help            show this help

Exit codes: 0 measured, 1 problems found (unreadable or mismatched files, no target), 2 usage
error or a model card to fix.`,
  options: {
    model: { type: 'string' },
    wand: { type: 'boolean' },
    tolerance: { type: 'string' },
    split: { type: 'string' },
    targets: { type: 'string' },
    'max-clicks': { type: 'string' },
    'min-area': { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(parsed: Parsed, io: Io): Promise<number> {
    if (parsed.positionals.length !== 1) throw new UsageError('expected <dataset>');
    const cardPath = stringOption(parsed, 'model');
    const wand = Boolean(parsed.values.wand);
    if ((cardPath === undefined) === !wand) throw new UsageError('give --model <card.json> or --wand (one of them)');
    if (!wand && parsed.values.tolerance !== undefined) throw new UsageError('--tolerance goes with --wand');
    const tolerance = intOption(parsed, 'tolerance', 0, 255) ?? DEFAULT_WAND_TOLERANCE;
    const targetsText = stringOption(parsed, 'targets');
    const thresholds = targetsText === undefined ? DEFAULT_THRESHOLDS : parseThresholds(targetsText);
    const maxClicks = intOption(parsed, 'max-clicks', 1, 1000) ?? DEFAULT_MAX_CLICKS;
    const minArea = intOption(parsed, 'min-area', 1, 1e9) ?? DEFAULT_MIN_AREA;
    const threads = intOption(parsed, 'threads', 1, 64);
    const fs = new NodeFileSystem();
    const index = await openDataset(fs, parsed.positionals[0]);
    const split = stringOption(parsed, 'split');
    if (split !== undefined && !(split in index.config.splits)) {
      throw new UsageError(`unknown split "${split}" (splits: ${Object.keys(index.config.splits).join(', ') || 'none'})`);
    }
    if (cardPath !== undefined && (await fs.stat(cardPath))?.type !== 'file') throw new UsageError(`${cardPath}: no such file (--model)`);
    const model: PromptableModel | undefined = cardPath === undefined ? undefined : await loadNativePromptable(cardPath, threads);
    try {
      const method: NocMethod = model ? promptableMethod(model) : wandMethod(tolerance);
      const described = model ? { kind: 'promptable', name: model.card.name, card: cardPath } : { kind: 'wand', tolerance };
      const result = await nocDataset(fs, index, method, { split, thresholds, maxClicks, minArea, onProgress: progress(io, 'images') });
      const names = (id: number) => index.config.classes.find((c) => c.id === id)?.name ?? `class ${id}`;
      io.out(
        parsed.values.json
          ? json(resultJson(result, described, names))
          : nocText(result, model ? `${model.card.name} (${cardPath})` : `magic wand, tolerance ${tolerance}`, names),
      );
      reportProblems(io, result.problems);
      if (result.rows.length === 0) {
        io.err(
          `seglab noc: no target (no region of a non-background class with at least ${minArea} pixels in ${count(result.images)} labeled images${split === undefined ? '' : ` of split "${split}"`})`,
        );
        return 1;
      }
      return result.problems.length > 0 ? 1 : 0;
    } finally {
      if (model) await releasePromptableModel(model);
    }
  },
};
