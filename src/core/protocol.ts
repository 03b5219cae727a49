/**
 * The typed messages between the mask editor's host and its webview, imported by both sides.
 * Pixel data always travels as ArrayBuffer. Everything the webview sends is untrusted: the host
 * runs `parseFromWebview` before acting on it.
 */
import type { ClassDef } from './classes';
import { checkVersion, isCount, isRecord, isText, ProtocolError } from './messages';
import type { ModelCard } from './model/card';
import type { PromptableCard } from './model/promptable/card';
import type { EmbeddingTensorMessage } from './model/promptable/embeddingTensors';

export const PROTOCOL_VERSION = 1;

export enum MessageType {
  //#region to webview
  Init = 'init',
  /** Apply a delta (undo/redo, or an edit made in another editor of the same document). */
  ApplyDelta = 'applyDelta',
  /** Replace the whole mask (revert, reload from disk, resynchronisation). */
  ReplaceMask = 'replaceMask',
  Reply = 'reply',
  /** A model's prediction was applied (or changed nothing): its confidence, for the overlay. */
  Prediction = 'prediction',
  /** A model's prediction mask of this image, for the disagreement layer. */
  Disagreement = 'disagreement',
  /** Run a model on the image in the webview (WebGPU); answered by ModelResult. */
  RunModel = 'runModel',
  /** The host stopped waiting for a RunModel (the person cancelled). */
  CancelModel = 'cancelModel',
  /** Smart Select's model (its decoder runs in the webview), or why there is none; answers SmartSelectStart. */
  SmartSelectModel = 'smartSelectModel',
  /** The image's embeddings from the model's encoder (run in the host, or cached there), once per image and model. */
  SmartSelectEmbeddings = 'smartSelectEmbeddings',
  /** Run Smart Select's image encoder on WebGPU in the webview (instead of SmartSelectEmbeddings); answered by SmartSelectEncoded. */
  SmartSelectEncode = 'smartSelectEncode',
  //#endregion
  //#region from webview
  Ready = 'ready',
  /** One finished gesture, already shown in the webview. */
  Edit = 'edit',
  /** Whether WebGPU gives an adapter in the webview; sent once the editor has loaded the image and mask. */
  Capabilities = 'capabilities',
  /** The answer to a RunModel: a prediction or an error. */
  ModelResult = 'modelResult',
  /** The Smart Select tool was chosen: the host answers with SmartSelectModel, then SmartSelectEmbeddings. */
  SmartSelectStart = 'smartSelectStart',
  /** The answer to a SmartSelectEncode: the embeddings (the webview uses them already; the host caches them) or an error. */
  SmartSelectEncoded = 'smartSelectEncoded',
  //#endregion
}

export interface InitMessage {
  type: MessageType.Init;
  version: number;
  /** A webview URI of the image file. */
  imageUri: string;
  width: number;
  height: number;
  /** width*height class indices, row-major. */
  mask: ArrayBuffer;
  classes: ClassDef[];
  ignoreIndex: number;
  /** Shown in the status line and the title. */
  imageName: string;
  strings: MaskEditorStrings;
}

/**
 * The editor's words in VS Code's display language (the host's vscode.l10n.t, as hexeditor's
 * ILocalizedStrings); `{0}`, `{1}`… mark where the webview puts values.
 */
export interface MaskEditorStrings {
  /** The canvas's label: {0} the image's name. */
  maskOf: string;
  /** {0} why. */
  cannotOpen: string;
  /** {0} why. */
  editRefused: string;
  /** {0} provider, {1} milliseconds, {2} pixels changed. */
  preLabeled: string;
  /** The tool buttons' labels and titles. */
  tools: Record<MaskEditorTool, string>;
  /** The undo/redo labels of the edits, by what made them. */
  edits: Record<MaskEditorTool | 'replaceClass' | 'removeIslands' | 'grow' | 'shrink', string>;
  toolbar: {
    tools: string;
    brushShape: string;
    round: string;
    square: string;
    brush: string;
    brushSize: string;
    opacity: string;
    opacityLabel: string;
    view: string;
    showMask: string;
    outline: string;
    confidence: string;
    disagreement: string;
    /** {0} pixels, {1} model. */
    disagreeCount: string;
    uncertainBelowLabel: string;
    uncertainBelow: string;
    fit: string;
    actualSize: string;
    options: string;
    tolerance: string;
    toleranceLabel: string;
    fillRule: string;
    evenOdd: string;
    nonzero: string;
    protect: string;
    paintOverAll: string;
    paintOverUnlabeled: string;
    /** {0} the class's name. */
    paintOverClass: string;
    toolbar: string;
  };
  palette: { search: string; searchLabel: string; classes: string; palette: string };
  cleanup: {
    title: string;
    replaceClass: string;
    withClass: string;
    islandSize: string;
    removeIslands: string;
    grow: string;
    shrink: string;
  };
  smartSelect: {
    /** {0} the model's name. */
    loading: string;
    /** {0} the model's name. */
    ready: string;
    /** {0} where the image's embeddings came from ('webgpu' in the editor, 'encoder' in the host, 'memory', 'disk'), {1} the milliseconds it took. */
    source: string;
    /** {0} the prompts given, {1} the candidate's number, {2} how many, {3} its score, {4} milliseconds from prompt to preview. */
    preview: string;
    /** {0} why. */
    failed: string;
  };
  status: {
    /** {0} the zoom in percent. */
    zoom: string;
    /** {0} x, {1} y, {2} the class's name, {3} the pixel's value, {4} the zoom line. */
    pixel: string;
    ignore: string;
    unknown: string;
  };
}

/** The mask editor's pointer tools. */
export type MaskEditorTool = 'brush' | 'eraser' | 'ignore' | 'fill' | 'wand' | 'polygon' | 'smartSelect';

export interface ApplyDeltaMessage {
  type: MessageType.ApplyDelta;
  /** A serialized MaskDelta (core/editing/delta.ts). */
  delta: ArrayBuffer;
  direction: 'undo' | 'redo';
}

export interface ReplaceMaskMessage {
  type: MessageType.ReplaceMask;
  mask: ArrayBuffer;
}

/** Answers a request; `error` set when it was refused (the webview then rolls back). */
export interface ReplyMessage {
  type: MessageType.Reply;
  inReplyTo: number;
  error?: string;
}

export interface PredictionMessage {
  type: MessageType.Prediction;
  width: number;
  height: number;
  /** width*height top-class probabilities, 0-255. */
  confidence: ArrayBuffer;
  /** Pixels below this (0-255) are hatched by the confidence overlay. */
  threshold: number;
  /** e.g. "cpu (onnxruntime-node)" and the run time, for the status line. */
  provider: string;
  milliseconds: number;
  changedPixels: number;
}

export interface DisagreementMessage {
  type: MessageType.Disagreement;
  /** The model whose prediction this is (its folder under predictions/). */
  model: string;
  width: number;
  height: number;
  /** width*height predicted class indices. */
  prediction: ArrayBuffer;
}

export interface RunModelMessage {
  type: MessageType.RunModel;
  requestId: number;
  /** The .onnx file name, for errors. */
  modelName: string;
  /** Sessions are cached by it. */
  sha256: string;
  /** A webview URI of the .onnx file when the webview may fetch it; else its bytes in `modelBytes`. */
  modelUri?: string;
  modelBytes?: ArrayBuffer;
  card?: ModelCard;
  cardPath?: string;
}

export interface CancelModelMessage {
  type: MessageType.CancelModel;
  requestId: number;
}

export type SmartSelectModelMessage =
  | {
      type: MessageType.SmartSelectModel;
      card: PromptableCard;
      /** For errors and the status line. */
      cardPath: string;
      /** The decoder's sha256: the webview keeps one session per decoder. */
      decoderSha256: string;
      /** The decoder file's bytes; left out when this webview was sent them before. */
      decoder?: ArrayBuffer;
      /** Whether a SmartSelectEmbeddings or SmartSelectEncode message follows (the family has an image encoder). */
      embeddings: boolean;
    }
  | { type: MessageType.SmartSelectModel; error: string };

export interface SmartSelectEmbeddingsMessage {
  type: MessageType.SmartSelectEmbeddings;
  /** The decoder they are for (SmartSelectModel's decoderSha256). */
  decoderSha256: string;
  width: number;
  height: number;
  /** Decoder input name, shape, float32 values (transferred, not copied). */
  tensors: EmbeddingTensorMessage[];
  /** Where they came from ('encoder', 'memory', 'disk') and the encoder's time, for the status line. */
  source: string;
  milliseconds: number;
}

export interface SmartSelectEncodeMessage {
  type: MessageType.SmartSelectEncode;
  requestId: number;
  /** The model they are for (SmartSelectModel's decoderSha256). */
  decoderSha256: string;
  /** The encoder's file name, for errors. */
  encoderName: string;
  /** A webview URI of the encoder when the webview may fetch it; else its bytes in `encoderBytes`. */
  encoderUri?: string;
  encoderBytes?: ArrayBuffer;
}

export type ToWebviewMessage =
  | InitMessage
  | ApplyDeltaMessage
  | ReplaceMaskMessage
  | ReplyMessage
  | PredictionMessage
  | DisagreementMessage
  | RunModelMessage
  | CancelModelMessage
  | SmartSelectModelMessage
  | SmartSelectEmbeddingsMessage
  | SmartSelectEncodeMessage;

export interface ReadyMessage {
  type: MessageType.Ready;
  version: number;
}

export interface EditMessage {
  type: MessageType.Edit;
  messageId: number;
  /** Undo/redo label, e.g. "Brush stroke". */
  label: string;
  delta: ArrayBuffer;
}

export interface CapabilitiesMessage {
  type: MessageType.Capabilities;
  webgpu: boolean;
  /** The adapter's vendor and architecture, when the browser tells. */
  adapter?: string;
  /** The adapter is a software fallback (SwiftShader): slower than native ONNX Runtime in the host. */
  fallbackAdapter?: boolean;
}

export type ModelResultMessage =
  | {
      type: MessageType.ModelResult;
      requestId: number;
      width: number;
      height: number;
      /** width*height class ids. */
      labels: ArrayBuffer;
      /** width*height top-class probabilities, 0-255. */
      confidence: ArrayBuffer;
      /** e.g. "webgpu". */
      provider: string;
      milliseconds: number;
      /** Defaults the model resolution used, for the log. */
      defaults: string[];
    }
  | { type: MessageType.ModelResult; requestId: number; error: string };

export interface SmartSelectStartMessage {
  type: MessageType.SmartSelectStart;
  /** The decoder (its sha256) whose session and image embeddings the webview holds already: the host sends neither again. */
  loaded?: string;
}

export type SmartSelectEncodedMessage =
  | {
      type: MessageType.SmartSelectEncoded;
      requestId: number;
      width: number;
      height: number;
      /** Decoder input name, shape, float32 values: checked by the host against the card and the encoder before it caches them. */
      tensors: EmbeddingTensorMessage[];
      /** e.g. "webgpu". */
      provider: string;
      milliseconds: number;
    }
  | { type: MessageType.SmartSelectEncoded; requestId: number; error: string };

export type FromWebviewMessage = ReadyMessage | EditMessage | CapabilitiesMessage | ModelResultMessage | SmartSelectStartMessage | SmartSelectEncodedMessage;

const MAX_LABEL = 80;
const MAX_TEXT = 2000;
const MAX_DEFAULTS = 32;

/** Checks a message's shape and field types (sizes of pixel data are checked where it is decoded). */
export function parseFromWebview(message: unknown): FromWebviewMessage {
  if (!isRecord(message)) throw new ProtocolError('message is not an object');
  switch (message.type) {
    case MessageType.Ready:
      checkVersion(message.version, PROTOCOL_VERSION);
      return { type: MessageType.Ready, version: PROTOCOL_VERSION };
    case MessageType.Edit: {
      const { messageId, label, delta } = message;
      if (!isCount(messageId)) throw new ProtocolError('edit: messageId must be a non-negative integer');
      if (typeof label !== 'string' || label.length === 0 || label.length > MAX_LABEL) {
        throw new ProtocolError(`edit: label must be a string of 1-${MAX_LABEL} characters`);
      }
      if (!(delta instanceof ArrayBuffer)) throw new ProtocolError('edit: delta must be an ArrayBuffer');
      return { type: MessageType.Edit, messageId, label, delta };
    }
    case MessageType.Capabilities: {
      const { webgpu, adapter, fallbackAdapter } = message;
      if (typeof webgpu !== 'boolean') throw new ProtocolError('capabilities: webgpu must be a boolean');
      if (adapter !== undefined && !isText(adapter, MAX_LABEL))
        throw new ProtocolError(`capabilities: adapter must be a string of up to ${MAX_LABEL} characters`);
      if (fallbackAdapter !== undefined && typeof fallbackAdapter !== 'boolean') throw new ProtocolError('capabilities: fallbackAdapter must be a boolean');
      return {
        type: MessageType.Capabilities,
        webgpu,
        ...(adapter !== undefined ? { adapter } : {}),
        ...(fallbackAdapter !== undefined ? { fallbackAdapter } : {}),
      };
    }
    case MessageType.ModelResult:
      return parseModelResult(message);
    case MessageType.SmartSelectStart: {
      const { loaded } = message;
      if (loaded !== undefined && (typeof loaded !== 'string' || !/^[0-9a-f]{64}$/.test(loaded)))
        throw new ProtocolError('smartSelectStart: loaded must be a sha256 (64 lowercase hex digits)');
      return { type: MessageType.SmartSelectStart, ...(loaded !== undefined ? { loaded } : {}) };
    }
    case MessageType.SmartSelectEncoded:
      return parseSmartSelectEncoded(message);
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(message.type)}`);
  }
}

function parseModelResult(message: Record<string, unknown>): ModelResultMessage {
  const { requestId, error, width, height, labels, confidence, provider, milliseconds, defaults } = message;
  if (!isCount(requestId)) throw new ProtocolError('modelResult: requestId must be a non-negative integer');
  if (error !== undefined) {
    if (!isText(error, MAX_TEXT)) throw new ProtocolError(`modelResult: error must be a string of up to ${MAX_TEXT} characters`);
    return { type: MessageType.ModelResult, requestId, error };
  }
  if (!isCount(width) || !isCount(height) || width === 0 || height === 0) throw new ProtocolError('modelResult: width and height must be positive integers');
  for (const [name, buffer] of [
    ['labels', labels],
    ['confidence', confidence],
  ] as const) {
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== width * height)
      throw new ProtocolError(`modelResult: ${name} must be an ArrayBuffer of width*height (${width * height}) bytes`);
  }
  if (typeof provider !== 'string' || provider.length === 0 || provider.length > MAX_LABEL)
    throw new ProtocolError(`modelResult: provider must be a string of 1-${MAX_LABEL} characters`);
  if (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds) || milliseconds < 0)
    throw new ProtocolError('modelResult: milliseconds must be a non-negative number');
  if (!Array.isArray(defaults) || defaults.length > MAX_DEFAULTS || !defaults.every((d) => isText(d, MAX_TEXT))) {
    throw new ProtocolError(`modelResult: defaults must be up to ${MAX_DEFAULTS} strings`);
  }
  return {
    type: MessageType.ModelResult,
    requestId,
    width,
    height,
    labels: labels as ArrayBuffer,
    confidence: confidence as ArrayBuffer,
    provider,
    milliseconds,
    defaults: defaults as string[],
  };
}

const MAX_TENSORS = 16;
const MAX_DIMS = 8;

/** Shapes and types only: embeddingsFromMessage checks each tensor's size, checkEncoderOutput the names and shapes against the model. */
function parseSmartSelectEncoded(message: Record<string, unknown>): SmartSelectEncodedMessage {
  const { requestId, error, width, height, tensors, provider, milliseconds } = message;
  if (!isCount(requestId)) throw new ProtocolError('smartSelectEncoded: requestId must be a non-negative integer');
  if (error !== undefined) {
    if (!isText(error, MAX_TEXT)) throw new ProtocolError(`smartSelectEncoded: error must be a string of up to ${MAX_TEXT} characters`);
    return { type: MessageType.SmartSelectEncoded, requestId, error };
  }
  if (!isCount(width) || !isCount(height) || width === 0 || height === 0)
    throw new ProtocolError('smartSelectEncoded: width and height must be positive integers');
  const isTensor = (t: unknown) =>
    isRecord(t) &&
    isText(t.name, MAX_TEXT) &&
    Array.isArray(t.dims) &&
    t.dims.length <= MAX_DIMS &&
    t.dims.every((d) => isCount(d)) &&
    t.data instanceof ArrayBuffer;
  if (!Array.isArray(tensors) || tensors.length === 0 || tensors.length > MAX_TENSORS || !tensors.every(isTensor))
    throw new ProtocolError(`smartSelectEncoded: tensors must be 1-${MAX_TENSORS} {name, dims (up to ${MAX_DIMS} integers), data: ArrayBuffer}`);
  if (typeof provider !== 'string' || provider.length === 0 || provider.length > MAX_LABEL)
    throw new ProtocolError(`smartSelectEncoded: provider must be a string of 1-${MAX_LABEL} characters`);
  if (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds) || milliseconds < 0)
    throw new ProtocolError('smartSelectEncoded: milliseconds must be a non-negative number');
  const checked = (tensors as Array<Record<string, unknown>>).map((t) => ({
    name: t.name as string,
    dims: [...(t.dims as number[])],
    data: t.data as ArrayBuffer,
  }));
  return { type: MessageType.SmartSelectEncoded, requestId, width, height, tensors: checked, provider, milliseconds };
}

/** Copies typed-array bytes into a fresh ArrayBuffer (postMessage needs a plain buffer, not a Node Buffer). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}
