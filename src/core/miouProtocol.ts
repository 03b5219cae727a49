/**
 * The typed messages between the "Dataset mIoU" view's host and its webview, in the style of
 * protocol.ts (the mask editor's). The host sends whole states (results or an empty state), so
 * the last one can be replayed when the view is shown again. Everything the webview sends is
 * untrusted: the host runs `parseFromMiouWebview` before acting on it.
 */
import type { ClassDef } from './classes';
import { checkVersion, isCount, isRecord, ProtocolError } from './messages';
import type { HistoryRecord } from './metrics/history';
import type { ClassScore } from './metrics/scores';
import type { RankedImage } from './metrics/worstImages';

export const MIOU_PROTOCOL_VERSION = 1;

export enum MiouMessageType {
  //#region to webview
  Results = 'results',
  Empty = 'empty',
  Progress = 'progress',
  Training = 'training',
  Reply = 'reply',
  Strings = 'strings',
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
  /** How the model's classes were mapped onto the dataset's, as `seglab miou` says it; absent when the predictions do not record it. */
  classMapping?: string;
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

export type TrainingState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const TRAINING_STATES: readonly TrainingState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/** x is in epochs: epoch n's points sit at x = n, a step's at its fraction of the run (step / steps per epoch). */
export interface CurvePoint {
  x: number;
  y: number;
}

/** One training run's curves: a job followed in this session, or the per-epoch metrics of a model card. */
export interface TrainingRun {
  source: 'job' | 'card';
  /** The model's name (card) or the job's architecture and short id. */
  title: string;
  state: TrainingState;
  error?: string;
  /** Planned epochs: the x axis spans them while a job runs. */
  epochs?: number;
  /** Mean train loss per epoch; per-step loss (thinned); val mIoU (0-1) per epoch. */
  loss: CurvePoint[];
  stepLoss: CurvePoint[];
  valMiou: CurvePoint[];
  bestEpoch?: number;
}

/** The "Training" section: sent when a followed job moves or the selected model changes (replayed like a state). */
export interface TrainingMessage {
  type: MiouMessageType.Training;
  runs: TrainingRun[];
  /** Why the selected model shows no curves, when it shows none. */
  note?: string;
}

/** The host's answer to Ready, before anything else: the view's words in VS Code's display language. */
export interface MiouStringsMessage {
  type: MiouMessageType.Strings;
  version: number;
  strings: MiouViewStrings;
}

/**
 * The view's words (the host's vscode.l10n.t, as the mask editor's MaskEditorStrings); `{0}`,
 * `{1}`… mark where the webview puts values.
 */
export interface MiouViewStrings {
  main: {
    dataset: string;
    model: string;
    split: string;
    compute: string;
    computeTitle: string;
    cancel: string;
    miou: string;
    miouTitle: string;
    pixelAccuracy: string;
    meanAccuracy: string;
    imagesCompared: string;
    /** {0} pixels scored, {1} pixels ignored. */
    pixelsScored: string;
    missing: string;
    notScored: string;
    notScoredTitle: string;
    historyHint: string;
    export: string;
    markdown: string;
    classes: string;
    matrix: string;
    worst: string;
    history: string;
    training: string;
    /** {0} model, {1} split, {2} time, {3} seconds, {4} pairs read again. */
    updated: string;
    /** {0} the class mapping, in `seglab miou`'s words. */
    classMapping: string;
    /** {0} done, {1} total. */
    computing: string;
    /** {0} why. */
    trainingNotShown: string;
    /** {0} why. */
    failed: string;
  };
  table: {
    class: string;
    iou: string;
    iouTitle: string;
    accuracy: string;
    accuracyTitle: string;
    gt: string;
    gtTitle: string;
    pred: string;
    predTitle: string;
    /** {0} the class's id. */
    classId: string;
    /** {0} pixels. */
    pixels: string;
  };
  worst: {
    rankByClass: string;
    allClasses: string;
    openWithDisagreement: string;
    /** {0} the image's name. */
    open: string;
    /** {0} how many more, {1} how many are left. */
    more: string;
    noImage: string;
    noImageWithClass: string;
  };
  history: {
    /** {0} how many versions, {1} their list. */
    chart: string;
    baseVersion: string;
    comparedVersion: string;
    base: string;
    compared: string;
    delta: string;
  };
  heatmap: {
    hover: string;
    /** {0} classes. */
    chart: string;
    /** {0} label, {1} predicted, {2} pixels, {3} percent of the row. */
    tip: string;
    noClass: string;
    /** {0} pixels. */
    pixels: string;
  };
  training: {
    states: Record<TrainingState, string>;
    /** {0} mIoU, {1} epoch. */
    best: string;
    /** {0} mIoU, {1} epoch. */
    last: string;
    /** {0} loss, {1} epoch. */
    loss: string;
    /** {0} loss. */
    stepLoss: string;
    waiting: string;
    noEpoch: string;
    /** {0} the model's name. */
    modelCard: string;
    /** {0} epoch, {1} epochs. */
    running: string;
    trainLoss: string;
    valMiou: string;
    /** {0} epochs. */
    lossChart: string;
    /** {0} epochs, {1} step points. */
    lossChartSteps: string;
    /** {0} the chart's label, {1} the last loss. */
    lastLoss: string;
    /** {0} epochs. */
    miouChart: string;
    /** {0} epochs, {1} mIoU, {2} epoch. */
    miouChartBest: string;
    /** {0} mIoU, {1} epoch. */
    marker: string;
  };
}

export type ToMiouWebviewMessage = ResultsMessage | EmptyMessage | ProgressMessage | TrainingMessage | MiouReplyMessage | MiouStringsMessage;

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

const MAX_NAME = 1024;

function name(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME) {
    throw new ProtocolError(`${what} must be a string of 1-${MAX_NAME} characters`);
  }
  return value;
}

function messageId(message: Record<string, unknown>): number {
  if (!isCount(message.messageId)) throw new ProtocolError(`${String(message.type)}: messageId must be a non-negative integer`);
  return message.messageId;
}

function selection(value: unknown): Partial<MiouSelection> {
  if (!isRecord(value)) throw new ProtocolError('select: selection must be an object');
  const out: Partial<MiouSelection> = {};
  for (const key of ['dataset', 'model', 'split'] as const) {
    if (value[key] !== undefined) out[key] = name(value[key], `select: selection.${key}`);
  }
  return out;
}

/** More would only slow drawing: the host thins step points well below this. */
export const MAX_CURVE_POINTS = 5000;

function curve(value: unknown, what: string): CurvePoint[] {
  if (!Array.isArray(value) || value.length > MAX_CURVE_POINTS) throw new ProtocolError(`${what} must be an array of at most ${MAX_CURVE_POINTS} points`);
  return value.map((p: unknown, i) => {
    if (!isRecord(p) || !Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new ProtocolError(`${what}[${i}] must be {x, y} with finite numbers`);
    return { x: p.x as number, y: p.y as number };
  });
}

function optionalEpoch(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!isCount(value) || value === 0) throw new ProtocolError(`${what} must be a positive integer`);
  return value;
}

function trainingRun(value: unknown, i: number): TrainingRun {
  const what = `training: runs[${i}]`;
  if (!isRecord(value)) throw new ProtocolError(`${what} must be an object`);
  if (value.source !== 'job' && value.source !== 'card') throw new ProtocolError(`${what}.source must be "job" or "card"`);
  if (!TRAINING_STATES.includes(value.state as TrainingState)) throw new ProtocolError(`${what}.state must be one of ${TRAINING_STATES.join(', ')}`);
  if (value.error !== undefined && typeof value.error !== 'string') throw new ProtocolError(`${what}.error must be a string`);
  const run: TrainingRun = {
    source: value.source,
    title: name(value.title, `${what}.title`),
    state: value.state as TrainingState,
    loss: curve(value.loss, `${what}.loss`),
    stepLoss: curve(value.stepLoss, `${what}.stepLoss`),
    valMiou: curve(value.valMiou, `${what}.valMiou`),
  };
  const epochs = optionalEpoch(value.epochs, `${what}.epochs`);
  const best = optionalEpoch(value.bestEpoch, `${what}.bestEpoch`);
  return {
    ...run,
    ...(value.error !== undefined ? { error: value.error as string } : {}),
    ...(epochs ? { epochs } : {}),
    ...(best ? { bestEpoch: best } : {}),
  };
}

/** The webview checks a training message before drawing it (its numbers come from job events and card files). */
export function parseTrainingMessage(message: unknown): TrainingMessage {
  if (!isRecord(message) || message.type !== MiouMessageType.Training) throw new ProtocolError('training: not a training message');
  if (!Array.isArray(message.runs) || message.runs.length > 10) throw new ProtocolError('training: runs must be an array of at most 10 runs');
  if (message.note !== undefined && typeof message.note !== 'string') throw new ProtocolError('training: note must be a string');
  const runs = message.runs.map(trainingRun);
  return message.note === undefined ? { type: MiouMessageType.Training, runs } : { type: MiouMessageType.Training, runs, note: message.note };
}

/** Checks a message's shape and field types; returns a copy holding only the known fields. */
export function parseFromMiouWebview(message: unknown): FromMiouWebviewMessage {
  if (!isRecord(message)) throw new ProtocolError('message is not an object');
  switch (message.type) {
    case MiouMessageType.Ready:
      checkVersion(message.version, MIOU_PROTOCOL_VERSION);
      return { type: MiouMessageType.Ready, version: MIOU_PROTOCOL_VERSION };
    case MiouMessageType.Compute:
      return { type: MiouMessageType.Compute, messageId: messageId(message) };
    case MiouMessageType.Cancel:
      return { type: MiouMessageType.Cancel };
    case MiouMessageType.Select:
      return { type: MiouMessageType.Select, messageId: messageId(message), selection: selection(message.selection) };
    case MiouMessageType.OpenImage:
      if (typeof message.showDisagreement !== 'boolean') throw new ProtocolError('openImage: showDisagreement must be a boolean');
      return { type: MiouMessageType.OpenImage, name: name(message.name, 'openImage: name'), showDisagreement: message.showDisagreement };
    case MiouMessageType.Export:
      if (message.format !== 'markdown' && message.format !== 'csv' && message.format !== 'json') {
        throw new ProtocolError('export: format must be "markdown", "csv" or "json"');
      }
      return { type: MiouMessageType.Export, format: message.format };
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(message.type)}`);
  }
}
