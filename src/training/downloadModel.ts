/**
 * Brings a succeeded job's model into a dataset: downloads the card and the ONNX file, checks the
 * card (core parser) and the file's sha256 against it, and writes both atomically into the
 * dataset's `models/` folder, the ONNX first, so a card never names a file that is not there.
 * The stored card also records the job and, from the job's history, the per-epoch train loss
 * (`metrics.trainLoss`), so the mIoU view can draw the model's curves later. An interactive job's
 * click model (promptable card, family "clicks") is checked against `model.sha256` and its card
 * renamed to name the stored file.
 */
import { MODELS_FOLDER, parseModelCard, type ModelCard } from '../core/model/card';
import { DataError } from '../core/errors';
import { isPromptableCardJson, parsePromptableCard, type ClicksCard } from '../core/model/promptable/card';
import type { FileSystem } from '../core/fileSystem';
import { sha256Hex } from '../core/hash';
import { joinPath } from '../core/paths';
import type { TrainingClient } from './client';
import { trainLossOf } from './curves';

export interface StoredModel<Card = ModelCard> {
  name: string;
  onnxPath: string;
  cardPath: string;
  card: Card;
}

/** The job that produced a model, recorded in its card's `training` so a later run can continue from it. */
export interface TrainingOrigin {
  job: string;
  backend: string;
}

export function originOf(card: Pick<ModelCard, 'training'>): TrainingOrigin | undefined {
  const t = card.training as { job?: unknown; backend?: unknown } | undefined;
  return typeof t?.job === 'string' && typeof t.backend === 'string' ? { job: t.job, backend: t.backend } : undefined;
}

/**
 * Checks downloaded bytes: the card must parse and carry a sha256 (top level, and `onnx.sha256`
 * when present; a click model's `model.sha256`) equal to the ONNX file's. Returns the card's raw
 * object and the parsed card.
 */
export async function verifyDownload(
  cardBytes: Uint8Array,
  onnx: Uint8Array,
  label: string,
): Promise<{ raw: Record<string, unknown>; card: ModelCard | ClicksCard }> {
  const cardPath = `${label}/model.json`;
  const text = new TextDecoder().decode(cardBytes);
  const raw = JSON.parse(text) as Record<string, unknown>;
  let card: ModelCard | ClicksCard, declared: unknown[];
  if (isPromptableCardJson(raw)) {
    const promptable = parsePromptableCard(text, cardPath);
    if (promptable.family !== 'clicks') throw new DataError(cardPath, `family: a training job exports a "clicks" model, not "${promptable.family}"`);
    card = promptable;
    declared = [card.model.sha256];
  } else {
    card = parseModelCard(text, cardPath);
    declared = [card.sha256, (raw.onnx as { sha256?: unknown } | undefined)?.sha256];
  }
  if (declared[0] === undefined) throw new DataError(cardPath, 'sha256: missing, so the downloaded model.onnx cannot be checked');
  const actual = await sha256Hex(onnx);
  for (const d of declared) {
    if (d !== undefined && d !== actual) {
      throw new DataError(
        `${label}/model.onnx`,
        `sha256 ${actual.slice(0, 12)}… does not match the card's ${String(d).slice(0, 12)}…: the download is damaged or was changed; nothing was written`,
      );
    }
  }
  return { raw, card };
}

/** A free model name in `folder`: `base`, else `base-2`, `base-3`, … */
async function freeName(fs: FileSystem, folder: string, base: string): Promise<string> {
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!(await fs.stat(joinPath(folder, `${name}.onnx`))) && !(await fs.stat(joinPath(folder, `${name}.json`)))) return name;
  }
}

/** Downloads, checks and stores the model of `jobId` in `<datasetRoot>/models/<name>.onnx|json`. */
export async function downloadModel(
  client: TrainingClient,
  jobId: string,
  fs: FileSystem,
  datasetRoot: string,
  baseName: string,
  signal?: AbortSignal,
): Promise<StoredModel> {
  const stored = await download(client, jobId, fs, datasetRoot, baseName, false, signal);
  return { ...stored, card: parseModelCard(stored.text, stored.cardPath) };
}

/** Downloads, checks and stores the click model of an interactive job (`task: "interactive"`), as downloadModel does. */
export async function downloadClickModel(
  client: TrainingClient,
  jobId: string,
  fs: FileSystem,
  datasetRoot: string,
  baseName: string,
  signal?: AbortSignal,
): Promise<StoredModel<ClicksCard>> {
  const stored = await download(client, jobId, fs, datasetRoot, baseName, true, signal);
  return { ...stored, card: parsePromptableCard(stored.text, stored.cardPath) as ClicksCard };
}

/** `clicks`: the job must have exported a click model, else a pre-labeling model; checked before anything is written. */
async function download(client: TrainingClient, jobId: string, fs: FileSystem, datasetRoot: string, baseName: string, clicks: boolean, signal?: AbortSignal) {
  const label = `${client.baseUrl}/v1/jobs/${jobId}/artifacts`;
  const cardBytes = await client.artifact(jobId, 'model.json', signal);
  const onnx = await client.artifact(jobId, 'model.onnx', signal);
  const { raw } = await verifyDownload(cardBytes, onnx, label);
  if (isPromptableCardJson(raw) !== clicks) {
    const [got, expected] = clicks ? ['a pre-labeling model', 'a click model'] : ['a click model', 'a pre-labeling model'];
    throw new DataError(`${label}/model.json`, `kind: job ${jobId} exported ${got}, where ${expected} was expected; nothing was written`);
  }
  const folder = joinPath(datasetRoot, MODELS_FOLDER);
  await fs.createDirectory(folder);
  const name = await freeName(fs, folder, baseName.replace(/[^\w.-]+/g, '-'));
  const training = typeof raw.training === 'object' && raw.training !== null ? raw.training : {};
  const metrics = typeof raw.metrics === 'object' && raw.metrics !== null ? (raw.metrics as Record<string, unknown>) : {};
  const trainLoss = metrics.trainLoss ?? trainLossOf(await client.job(jobId));
  // A click model's card names its file (a pre-labeling card's file is the one next to it, by name).
  const file = clicks ? { model: { ...(raw.model as Record<string, unknown>), file: `${name}.onnx` } } : {};
  const stored = { ...raw, name, ...file, training: { ...training, job: jobId, backend: client.baseUrl }, metrics: { ...metrics, trainLoss } };
  const onnxPath = joinPath(folder, `${name}.onnx`);
  const cardPath = joinPath(folder, `${name}.json`);
  const text = `${JSON.stringify(stored, null, 2)}\n`;
  await fs.writeFileAtomic(onnxPath, onnx);
  await fs.writeFileAtomic(cardPath, new TextEncoder().encode(text));
  return { name, onnxPath, cardPath, raw: stored, text };
}
