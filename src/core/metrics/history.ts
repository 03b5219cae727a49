/**
 * Model history: one record per model version and split (name, hash of its prediction files,
 * date, mIoU, per-class IoU), kept in the dataset's `.seglab/miou-history.json` so the effect of
 * each fine-tuning round stays visible, and two versions can be compared class by class.
 */
import { DataError, errorMessage } from '../errors';
import type { FileSystem } from '../fileSystem';
import { dirName } from '../paths';
import { sha256Hex } from '../hash';
import type { Scores } from './scores';

export interface HistoryRecord {
  model: string;
  /** Identifies the version: a hash over the hashes of its prediction files. */
  hash: string;
  /** ISO date of the computation. */
  date: string;
  split: string;
  images: number;
  miou: number | null;
  classes: Array<{ id: number; name: string; iou: number | null }>;
}

const HISTORY_VERSION = 1;
/** Enough for years of daily fine-tuning rounds; the oldest records go first. */
const MAX_RECORDS = 1000;

/** The version hash of a model's predictions: order-independent over the images. */
export async function modelHash(predHashes: Iterable<[name: string, hash: string]>): Promise<string> {
  const lines = [...predHashes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, h]) => `${n}\t${h}\n`);
  return sha256Hex(new TextEncoder().encode(lines.join('')));
}

export function historyRecord(model: string, hash: string, split: string, scores: Scores, images: number, date = new Date()): HistoryRecord {
  return {
    model,
    hash,
    date: date.toISOString(),
    split,
    images,
    miou: scores.miou,
    classes: scores.classes.map(({ id, name, iou }) => ({ id, name, iou })),
  };
}

const isNullableNumber = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

function checkRecord(r: unknown, i: number, path: string): HistoryRecord {
  const rec = r as HistoryRecord;
  const ok =
    typeof rec === 'object' &&
    rec !== null &&
    typeof rec.model === 'string' &&
    typeof rec.hash === 'string' &&
    typeof rec.date === 'string' &&
    typeof rec.split === 'string' &&
    Number.isInteger(rec.images) &&
    isNullableNumber(rec.miou) &&
    Array.isArray(rec.classes) &&
    rec.classes.every((c) => Number.isInteger(c?.id) && typeof c.name === 'string' && isNullableNumber(c.iou));
  if (!ok) throw new DataError(path, `record ${i + 1} is malformed`);
  return rec;
}

export function parseHistory(text: string, path: string): HistoryRecord[] {
  let file: { version?: unknown; records?: unknown };
  try {
    file = JSON.parse(text) as typeof file;
  } catch (err) {
    throw new DataError(path, `not valid JSON (${errorMessage(err)})`);
  }
  if (file?.version !== HISTORY_VERSION || !Array.isArray(file.records)) {
    throw new DataError(path, `expected {"version": ${HISTORY_VERSION}, "records": [...]}`);
  }
  return file.records.map((r, i) => checkRecord(r, i, path));
}

export async function loadHistory(fs: FileSystem, path: string): Promise<HistoryRecord[]> {
  if ((await fs.stat(path)) === undefined) return [];
  return parseHistory(new TextDecoder().decode(await fs.readFile(path)), path);
}

/**
 * Adds `record`, replacing an earlier one of the same model version and split (a recomputation
 * of unchanged predictions is one point, with the latest labels), and writes atomically.
 * A history file that cannot be read is not overwritten: the DataError reaches the caller.
 */
export async function appendHistory(fs: FileSystem, path: string, record: HistoryRecord): Promise<HistoryRecord[]> {
  const kept = (await loadHistory(fs, path)).filter((r) => !(r.model === record.model && r.hash === record.hash && r.split === record.split));
  const records = [...kept, record].slice(-MAX_RECORDS);
  await fs.createDirectory(dirName(path));
  await fs.writeFileAtomic(path, new TextEncoder().encode(JSON.stringify({ version: HISTORY_VERSION, records }, null, 1)));
  return records;
}

export interface ClassComparison {
  id: number;
  name: string;
  a: number | null;
  b: number | null;
  /** b - a; null unless both are known. */
  delta: number | null;
}

/** Class-by-class IoU of two records (b against a), over the classes of either. */
export function compareRecords(a: HistoryRecord, b: HistoryRecord): ClassComparison[] {
  const ids = [...new Set([...a.classes, ...b.classes].map((c) => c.id))].sort((x, y) => x - y);
  return ids.map((id) => {
    const ca = a.classes.find((c) => c.id === id);
    const cb = b.classes.find((c) => c.id === id);
    const ia = ca?.iou ?? null;
    const ib = cb?.iou ?? null;
    return { id, name: (cb ?? ca)?.name ?? `class_${id}`, a: ia, b: ib, delta: ia !== null && ib !== null ? ib - ia : null };
  });
}
