/**
 * The typed messages between the mask editor's host and its webview, imported by both sides.
 * Pixel data always travels as ArrayBuffer. Everything the webview sends is untrusted: the host
 * runs `parseFromWebview` before acting on it.
 */
import type { ClassDef } from './classes';

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
  //#endregion
  //#region from webview
  Ready = 'ready',
  /** One finished gesture, already shown in the webview. */
  Edit = 'edit',
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
}

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

export type ToWebviewMessage = InitMessage | ApplyDeltaMessage | ReplaceMaskMessage | ReplyMessage | PredictionMessage | DisagreementMessage;

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

export type FromWebviewMessage = ReadyMessage | EditMessage;

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const MAX_LABEL = 80;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Checks a message's shape and field types (sizes of pixel data are checked where it is decoded). */
export function parseFromWebview(message: unknown): FromWebviewMessage {
  if (!isRecord(message)) throw new ProtocolError('message is not an object');
  switch (message.type) {
    case MessageType.Ready:
      if (message.version !== PROTOCOL_VERSION) {
        throw new ProtocolError(`webview speaks protocol ${String(message.version)}, the host ${PROTOCOL_VERSION}`);
      }
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
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(message.type)}`);
  }
}

/** Copies typed-array bytes into a fresh ArrayBuffer (postMessage needs a plain buffer, not a Node Buffer). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}
