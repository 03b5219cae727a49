/**
 * What the webview protocols share (protocol.ts: the mask editor's, miouProtocol.ts: the mIoU
 * view's): the checks of untrusted messages, their error, and exhaustive dispatch.
 */

/** A message from a webview that breaks its protocol. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A string of at most `max` characters. */
export function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max;
}

/** A Ready message's protocol version must be the host's. */
export function checkVersion(version: unknown, expected: number): void {
  if (version !== expected) throw new ProtocolError(`webview speaks protocol ${String(version)}, the host ${expected}`);
}

/** The default of a `switch` over a message union: leaving a message type unhandled is a compile error. */
export function unhandled(message: never): never {
  throw new ProtocolError(`unhandled message type ${JSON.stringify((message as { type?: unknown }).type)}`);
}
