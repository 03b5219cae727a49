/**
 * The typed messages between the "Dataset mIoU" view's host and its webview, in the style of
 * protocol.ts (the mask editor's). The host sends whole states (results or an empty state), so
 * the last one can be replayed when the view is shown again. Everything the webview sends is
 * untrusted: the host runs `parseFromMiouWebview` before acting on it.
 */
import type { ClassDef } from './classes';
import type { HistoryRecord } from './metrics/history';
import type { ClassScore } from './metrics/scores';
import type { RankedImage } from './metrics/worstImages';

export const MIOU_PROTOCOL_VERSION = 1;

export enum MiouMessageType {
  //#region to webview
  Results = 'results',
  Empty = 'empty',
  Progress = 'progress',
  Reply = 'reply',
  //#endregion
  //#region from webview
  Ready = 'ready',
  Compute = 'compute',
  Cancel = 'cancel',
  Select = 'select',
  OpenImage = 'openImage',
  Export = 'export',
  //#endregion
}

/** What the view shows: a dataset (by key), one of its models and a split ('all' or a split name). */
export interface MiouSelection {
  dataset: string;
  model: string;
  split: string;
}

export interface MiouChoices {
  datasets: Array<{ key: string; name: string }>;
  models: string[];
  /** 'all' first, then the dataset's split names. */
  splits: string[];
}

export interface MiouSummary {
  miou: number | null;
  pixelAccuracy: number | null;
  meanAccuracy: number | null;
  pixels: number;
  ignoredPixels: number;
  /** Images scored, labeled images without a prediction, pairs that could not be scored. */
  images: number;
  missing: number;
  problems: number;
}

export interface ResultsMessage {
  type: MiouMessageType.Results;
  version: number;
  selection: MiouSelection;
  choices: MiouChoices;
  classes: ClassDef[];
  summary: MiouSummary;
  perClass: ClassScore[];
  /** Rows are ground truth, C + 1 columns (the last: predicted value outside the classes), row-major. */
  matrix: { numClasses: number; counts: number[] };
  /** Every scored image of the split, worst first by mIoU. */
  images: RankedImage[];
  /** This dataset's history, oldest first. */
  history: HistoryRecord[];
  /** ISO date; how long the update took; how many pairs were read again. */
  computedAt: string;
  seconds: number;
  rescored: number;
}

export type EmptyReason = 'no-dataset' | 'loading' | 'no-labels' | 'no-predictions' | 'no-pairs' | 'not-computed' | 'error';

export interface EmptyMessage {
  type: MiouMessageType.Empty;
  version: number;
  reason: EmptyReason;
  /** Shown as is: says what is missing and what to do. */
  message: string;
  selection?: MiouSelection;
  choices: MiouChoices;
}

export interface ProgressMessage {
  type: MiouMessageType.Progress;
  done: number;
  total: number;
  /** false once the computation ended (finished, failed or cancelled). */
  running: boolean;
}

/** Answers a request; `error` set when it failed. */
export interface MiouReplyMessage {
  type: MiouMessageType.Reply;
  inReplyTo: number;
  error?: string;
}

export type ToMiouWebviewMessage = ResultsMessage | EmptyMessage | ProgressMessage | MiouReplyMessage;

export interface MiouReadyMessage {
  type: MiouMessageType.Ready;
  version: number;
}

/** Full recomputation (every file hashed; unchanged pairs come from the cache). */
export interface ComputeMessage {
  type: MiouMessageType.Compute;
  messageId: number;
}

export interface CancelMessage {
  type: MiouMessageType.Cancel;
}

export interface SelectMessage {
  type: MiouMessageType.Select;
  messageId: number;
  selection: Partial<MiouSelection>;
}

export interface OpenImageMessage {
  type: MiouMessageType.OpenImage;
  /** The image's stem. */
  name: string;
  showDisagreement: boolean;
}

export type ReportFormat = 'markdown' | 'csv' | 'json';

export interface ExportMessage {
  type: MiouMessageType.Export;
  format: ReportFormat;
}

export type FromMiouWebviewMessage = MiouReadyMessage | ComputeMessage | CancelMessage | SelectMessage | OpenImageMessage | ExportMessage;

export class MiouProtocolError extends Error {
  override name = 'MiouProtocolError';
}

const MAX_NAME = 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function name(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME) {
    throw new MiouProtocolError(`${what} must be a string of 1-${MAX_NAME} characters`);
  }
  return value;
}

function messageId(message: Record<string, unknown>): number {
  if (!isCount(message.messageId)) throw new MiouProtocolError(`${String(message.type)}: messageId must be a non-negative integer`);
  return message.messageId;
}

function selection(value: unknown): Partial<MiouSelection> {
  if (!isRecord(value)) throw new MiouProtocolError('select: selection must be an object');
  const out: Partial<MiouSelection> = {};
  for (const key of ['dataset', 'model', 'split'] as const) {
    if (value[key] !== undefined) out[key] = name(value[key], `select: selection.${key}`);
  }
  return out;
}

/** Checks a message's shape and field types; returns a copy holding only the known fields. */
export function parseFromMiouWebview(message: unknown): FromMiouWebviewMessage {
  if (!isRecord(message)) throw new MiouProtocolError('message is not an object');
  switch (message.type) {
    case MiouMessageType.Ready:
      if (message.version !== MIOU_PROTOCOL_VERSION) {
        throw new MiouProtocolError(`webview speaks protocol ${String(message.version)}, the host ${MIOU_PROTOCOL_VERSION}`);
      }
      return { type: MiouMessageType.Ready, version: MIOU_PROTOCOL_VERSION };
    case MiouMessageType.Compute:
      return { type: MiouMessageType.Compute, messageId: messageId(message) };
    case MiouMessageType.Cancel:
      return { type: MiouMessageType.Cancel };
    case MiouMessageType.Select:
      return { type: MiouMessageType.Select, messageId: messageId(message), selection: selection(message.selection) };
    case MiouMessageType.OpenImage:
      if (typeof message.showDisagreement !== 'boolean') throw new MiouProtocolError('openImage: showDisagreement must be a boolean');
      return { type: MiouMessageType.OpenImage, name: name(message.name, 'openImage: name'), showDisagreement: message.showDisagreement };
    case MiouMessageType.Export:
      if (message.format !== 'markdown' && message.format !== 'csv' && message.format !== 'json') {
        throw new MiouProtocolError('export: format must be "markdown", "csv" or "json"');
      }
      return { type: MiouMessageType.Export, format: message.format };
    default:
      throw new MiouProtocolError(`unknown message type ${JSON.stringify(message.type)}`);
  }
}
