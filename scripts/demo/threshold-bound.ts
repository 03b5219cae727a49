/**
 * How far the pixels alone can take one click on each NoC target of a dataset's split: the best IoU
 * that any single threshold on one colour feature reaches (R, G, B, their mean, or the projection
 * on the target's mean colour minus its surroundings'), taking the 4-connected region at the
 * target's first NoC click, with the threshold chosen by looking at the truth. An oracle, so an
 * optimistic figure for a threshold segmenter, not a bound on a model (a model may know shapes):
 * it says where the image itself leaves the outline ambiguous. Targets count as "brighter" when
 * their mean is above their surroundings' (the rest of their box widened by 8 pixels).
 * `node --import tsx scripts/demo/threshold-bound.ts <dataset> [--split val] [--noc <report.json>]`: with a
 * `seglab noc --json` report of the same split, each group's mean NoC too.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClassDef } from '../../src/core/classes';
import { selectionBounds } from '../../src/core/editing/selectionPreview';
import { nextClick } from '../../src/core/interactive/clickRobot';
import { connectedComponents } from '../../src/core/interactive/components';
import { findTargets, validPixels, type Target } from '../../src/core/interactive/targets';
import { decodeMask } from '../../src/core/mask/codec';
import { decodeImage, type RgbImage } from '../../src/core/model/image';

const MARGIN = 8;
const LEVELS = 99;

interface Window {
  x0: number;
  y0: number;
  w: number;
  h: number;
}

function windowOf(t: Target, width: number, height: number): Window {
  const box = selectionBounds(t.mask, width, height)!; // a target has pixels
  const x0 = Math.max(0, box.x0 - MARGIN);
  const y0 = Math.max(0, box.y0 - MARGIN);
  return { x0, y0, w: Math.min(width, box.x1 + MARGIN) - x0, h: Math.min(height, box.y1 + MARGIN) - y0 };
}

/** The best oracle-threshold IoU for one target, whether it is brighter than its surroundings and by how many grey levels. */
export function bestThreshold(image: RgbImage, t: Target, valid: Uint8Array): { iou: number; brighter: boolean; contrast: number } {
  const { width, height, channels, data } = image;
  const win = windowOf(t, width, height);
  const n = win.w * win.h;
  const truth = new Uint8Array(n);
  const counted = new Uint8Array(n); // ignore pixels are left out of the IoU, as in the NoC protocol
  const rgb = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) {
    const p = (win.y0 + Math.floor(i / win.w)) * width + win.x0 + (i % win.w);
    truth[i] = t.mask[p];
    counted[i] = valid[p];
    for (let c = 0; c < 3; c++) rgb[c][i] = data[p * channels + c];
  }
  const mean = (inside: number) =>
    rgb.map((ch) => ch.reduce((s, v, i) => s + (truth[i] === inside ? v : 0), 0) / Math.max(1, truth.filter((v) => v === inside).length));
  const [fg, bg] = [mean(1), mean(0)];
  const gray = Float32Array.from(rgb[0], (_, i) => (rgb[0][i] + rgb[1][i] + rgb[2][i]) / 3);
  const projection = Float32Array.from(rgb[0], (_, i) => rgb.reduce((s, ch, c) => s + (ch[i] - bg[c]) * (fg[c] - bg[c]), 0));
  const click = nextClick(t.mask, new Uint8Array(t.mask.length), valid, width, height)!;
  const seed = (click.y - win.y0) * win.w + (click.x - win.x0);
  let best = 0;
  for (const feature of [...rgb, gray, projection]) {
    const sorted = Float32Array.from(feature).sort();
    for (let k = 1; k <= LEVELS; k++) {
      const level = sorted[Math.floor((k / (LEVELS + 1)) * (n - 1))];
      for (const above of [true, false]) {
        const chosen = Uint8Array.from(feature, (v) => ((above ? v > level : v < level) ? 1 : 0));
        if (!chosen[seed]) continue;
        const { labels } = connectedComponents(chosen, win.w, win.h);
        let [inter, union] = [0, 0];
        for (let i = 0; i < n; i++) {
          if (!counted[i]) continue;
          const a = labels[i] === labels[seed];
          inter += a && truth[i] ? 1 : 0;
          union += a || truth[i] ? 1 : 0;
        }
        best = Math.max(best, inter / union);
      }
    }
  }
  const difference = (fg[0] + fg[1] + fg[2] - bg[0] - bg[1] - bg[2]) / 3;
  return { iou: best, brighter: difference > 0, contrast: Math.abs(difference) };
}

interface NocRow {
  image: string;
  classId: number;
  clicks: [number, number, number][];
  noc: number[];
}

interface Row {
  classId: number;
  iou: number;
  brighter: boolean;
  contrast: number;
  /** NoC per threshold from the `--noc` report's row for this target. */
  noc?: number[];
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { split: { type: 'string', default: 'val' }, noc: { type: 'string' } } });
  const [root] = positionals;
  if (!root) throw new Error('usage: node --import tsx scripts/demo/threshold-bound.ts <dataset> [--split val] [--noc <seglab noc --json report>]');
  const configPath = join(root, 'seglab.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
    classes: ClassDef[];
    ignoreIndex: number;
    splits: Record<string, string>;
  };
  const split = values.split!;
  if (!config.splits[split]) throw new Error(`${configPath}: no split named ${split}`);
  const report = values.noc ? (JSON.parse(readFileSync(values.noc, 'utf8')) as { thresholds: number[]; targets: NocRow[] }) : undefined;
  const stems = readFileSync(join(root, config.splits[split]), 'utf8').split(/\s+/).filter(Boolean);
  const rows: Row[] = [];
  for (const stem of stems) {
    const maskPath = join(root, 'masks', `${stem}.png`);
    const labels = decodeMask(readFileSync(maskPath), { path: maskPath, classes: config.classes, ignoreIndex: config.ignoreIndex });
    const imagePath = join(root, 'images', `${stem}.jpg`);
    const image = await decodeImage(readFileSync(imagePath), imagePath);
    const valid = validPixels(labels, config.ignoreIndex);
    const nocRows = report?.targets.filter((r) => r.image === `images/${stem}.jpg`) ?? [];
    for (const t of findTargets(labels, config.ignoreIndex)) {
      // The report's row for this target: the same class, its first click inside the target.
      const noc = nocRows.find((r) => r.classId === t.classId && t.mask[r.clicks[0][1] * labels.width + r.clicks[0][0]])?.noc;
      if (report && !noc) throw new Error(`${values.noc}: no row for the ${t.area}-pixel target at (${t.x}, ${t.y}) of ${imagePath}`);
      rows.push({ classId: t.classId, ...bestThreshold(image, t, valid), noc });
    }
  }
  for (const c of config.classes.filter((c) => rows.some((r) => r.classId === c.id))) {
    for (const brighter of [false, true]) {
      const group = rows.filter((r) => r.classId === c.id && r.brighter === brighter);
      if (group.length === 0) continue;
      const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
      const at = (t: number) => group.filter((r) => r.iou >= t).length;
      const contrast = group.map((r) => r.contrast).sort((x, y) => x - y);
      const noc = report ? `; ${report.thresholds.map((t, k) => `NoC@${Math.round(t * 100)} ${mean(group.map((r) => r.noc![k])).toFixed(2)}`).join(', ')}` : '';
      console.log(
        `${c.name}, ${brighter ? 'brighter' : 'darker'} than around: ${group.length} targets, best-threshold IoU mean ${mean(group.map((r) => r.iou)).toFixed(3)}, ` +
          `>= 0.85: ${at(0.85)}, >= 0.9: ${at(0.9)}; grey-level difference median ${contrast[contrast.length >> 1].toFixed(0)} ` +
          `(${contrast[0].toFixed(0)} to ${contrast[contrast.length - 1].toFixed(0)})${noc}`,
      );
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(__filename)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
