/**
 * Label Studio out: tasks.json (an import file: one task per image, its labels as one brush
 * result per class present, ignore pixels left out), images/ and labeling_config.xml (the
 * classes as BrushLabels, in id order, with their colours). Task images point at
 * /data/local-files/?d=images/<name>: serve the folder through Label Studio's local storage.
 * Splits are not kept (Label Studio has none).
 */
import type { ClassDef } from '../classes';
import { ensureEmptyFolder } from '../dataset/convert';
import type { ProgressOptions } from '../dataset/forEachLimited';
import type { FileSystem } from '../fileSystem';
import type { Mask } from '../mask/codec';
import { joinPath } from '../paths';
import { LABEL_CONFIG_FILE } from './labelStudioImport';
import { encodeBrush, labelRuns } from './labelStudioRle';
import type { LabelItem, LabelSource } from './source';
import { exportWithImages, type ConvertResult } from './writeItems';

const FROM_NAME = 'label';
const TO_NAME = 'image';

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const hex = (c: ClassDef) => `#${c.color.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

export function labelConfig(classes: readonly ClassDef[]): string {
  const labels = classes.map((c) => `    <Label value="${escapeXml(c.name)}" background="${hex(c)}"/>`);
  return `<View>\n  <Image name="${TO_NAME}" value="$image" zoom="true"/>\n  <BrushLabels name="${FROM_NAME}" toName="${TO_NAME}">\n${labels.join('\n')}\n  </BrushLabels>\n</View>\n`;
}

/** One brushlabels result per class present; values that are neither a class nor ignore are returned apart. */
export function brushResults(mask: Mask, classes: readonly ClassDef[], ignoreIndex: number): { results: unknown[]; unknown: number[] } {
  const { width, height, data } = mask; // the image's size too: maskOfImageSize left out masks of another size
  const runs = labelRuns(data);
  const present = new Uint8Array(256);
  for (let k = 0; k < runs.count; k++) present[runs.values[k]] = 1;
  const byId = new Map(classes.map((c) => [c.id, c]));
  const results: unknown[] = [];
  const unknown: number[] = [];
  present.forEach((here, value) => {
    if (!here) return;
    const c = byId.get(value);
    if (!c) {
      if (value !== ignoreIndex) unknown.push(value);
      return;
    }
    const rle = encodeBrush(runs, value);
    results.push({
      id: `class-${value}`,
      type: 'brushlabels',
      from_name: FROM_NAME,
      to_name: TO_NAME,
      original_width: width,
      original_height: height,
      image_rotation: 0,
      value: { format: 'rle', rle, brushlabels: [c.name] },
    });
  });
  return { results, unknown };
}

export async function writeLabelStudio(fs: FileSystem, source: LabelSource, dst: string, options: ProgressOptions = {}): Promise<ConvertResult> {
  await ensureEmptyFolder(fs, dst);
  const tasks = new Map<LabelItem, unknown>();
  const result = await exportWithImages(
    fs,
    source,
    dst,
    'Label Studio',
    (item, mask) => {
      const data = { image: `/data/local-files/?d=images/${encodeURIComponent(item.imageName)}` };
      if (!mask) {
        tasks.set(item, { data });
        return [];
      }
      const { results, unknown } = brushResults(mask, source.classes, source.ignoreIndex);
      tasks.set(item, { data, annotations: [{ result: results }] });
      return unknown;
    },
    options,
  );
  const json = `[\n${source.items.map((item) => JSON.stringify(tasks.get(item))).join(',\n')}\n]\n`;
  await fs.writeFileAtomic(joinPath(dst, 'tasks.json'), new TextEncoder().encode(json));
  await fs.writeFileAtomic(joinPath(dst, LABEL_CONFIG_FILE), new TextEncoder().encode(labelConfig(source.classes)));
  return result;
}
