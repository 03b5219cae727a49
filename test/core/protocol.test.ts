import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageType, parseFromWebview, PROTOCOL_VERSION, toArrayBuffer } from '../../src/core/protocol';

test('valid webview messages parse to their typed form', () => {
  assert.deepEqual(parseFromWebview({ type: 'ready', version: PROTOCOL_VERSION }), { type: MessageType.Ready, version: PROTOCOL_VERSION });
  const delta = new ArrayBuffer(8);
  const edit = parseFromWebview({ type: 'edit', messageId: 3, label: 'Brush stroke', delta, extra: 'dropped' });
  assert.deepEqual(edit, { type: MessageType.Edit, messageId: 3, label: 'Brush stroke', delta });
});

test('malformed messages are refused with the reason', () => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /not an object/],
    [[1], /not an object/],
    [{ type: 'nope' }, /unknown message type "nope"/],
    [{ type: 'ready', version: 99 }, /protocol 99/],
    [{ type: 'edit', messageId: -1, label: 'x', delta: new ArrayBuffer(1) }, /messageId/],
    [{ type: 'edit', messageId: 1.5, label: 'x', delta: new ArrayBuffer(1) }, /messageId/],
    [{ type: 'edit', messageId: 1, label: '', delta: new ArrayBuffer(1) }, /label/],
    [{ type: 'edit', messageId: 1, label: 'x'.repeat(81), delta: new ArrayBuffer(1) }, /label/],
    [{ type: 'edit', messageId: 1, label: 'x', delta: [1, 2, 3] }, /ArrayBuffer/],
    [{ type: 'edit', messageId: 1, label: 'x', delta: new Uint8Array(4) }, /ArrayBuffer/],
  ];
  for (const [message, reason] of cases) assert.throws(() => parseFromWebview(message), reason);
});

test('capabilities and model results parse to their typed form, extra fields dropped', () => {
  assert.deepEqual(parseFromWebview({ type: 'capabilities', webgpu: true, adapter: 'google swiftshader', extra: 1 }), {
    type: MessageType.Capabilities,
    webgpu: true,
    adapter: 'google swiftshader',
  });
  assert.deepEqual(parseFromWebview({ type: 'capabilities', webgpu: false }), { type: MessageType.Capabilities, webgpu: false });
  assert.deepEqual(parseFromWebview({ type: 'capabilities', webgpu: true, fallbackAdapter: true }), {
    type: MessageType.Capabilities,
    webgpu: true,
    fallbackAdapter: true,
  });
  assert.throws(() => parseFromWebview({ type: 'capabilities', webgpu: true, fallbackAdapter: 'yes' }), /fallbackAdapter must be a boolean/);
  const labels = new ArrayBuffer(6);
  const confidence = new ArrayBuffer(6);
  const result = { type: 'modelResult', requestId: 4, width: 3, height: 2, labels, confidence, provider: 'webgpu', milliseconds: 12.5, defaults: ['mean'] };
  assert.deepEqual(parseFromWebview({ ...result, extra: true }), { ...result, type: MessageType.ModelResult });
  assert.deepEqual(parseFromWebview({ type: 'modelResult', requestId: 5, error: 'no adapter' }), {
    type: MessageType.ModelResult,
    requestId: 5,
    error: 'no adapter',
  });
});

test('malformed capabilities and model results are refused with the reason', () => {
  const ok = {
    type: 'modelResult',
    requestId: 1,
    width: 2,
    height: 2,
    labels: new ArrayBuffer(4),
    confidence: new ArrayBuffer(4),
    provider: 'webgpu',
    milliseconds: 1,
    defaults: [],
  };
  const cases: Array<[unknown, RegExp]> = [
    [{ type: 'capabilities', webgpu: 'yes' }, /capabilities: webgpu must be a boolean/],
    [{ type: 'capabilities', webgpu: true, adapter: 3 }, /adapter/],
    [{ type: 'capabilities', webgpu: true, adapter: 'x'.repeat(81) }, /adapter/],
    [{ ...ok, requestId: -1 }, /requestId/],
    [{ type: 'modelResult', requestId: 1, error: 42 }, /error must be a string/],
    [{ ...ok, width: 0 }, /width and height/],
    [{ ...ok, height: 1.5 }, /width and height/],
    [{ ...ok, labels: new ArrayBuffer(3) }, /labels must be an ArrayBuffer of width\*height \(4\) bytes/],
    [{ ...ok, labels: new Uint8Array(4) }, /labels must be an ArrayBuffer/],
    [{ ...ok, confidence: undefined }, /confidence must be an ArrayBuffer/],
    [{ ...ok, provider: '' }, /provider/],
    [{ ...ok, milliseconds: Number.NaN }, /milliseconds/],
    [{ ...ok, milliseconds: -1 }, /milliseconds/],
    [{ ...ok, defaults: 'mean' }, /defaults/],
    [{ ...ok, defaults: [1] }, /defaults/],
  ];
  for (const [message, reason] of cases) assert.throws(() => parseFromWebview(message), reason);
});

test('toArrayBuffer copies exactly the view, not its backing buffer', () => {
  const backing = new Uint8Array([9, 1, 2, 3, 9]);
  const buffer = toArrayBuffer(backing.subarray(1, 4));
  assert.deepEqual([...new Uint8Array(buffer)], [1, 2, 3]);
});

test('smartSelectStart parses with or without the decoder it holds; anything else there is refused', () => {
  assert.deepEqual(parseFromWebview({ type: 'smartSelectStart' }), { type: MessageType.SmartSelectStart });
  const loaded = 'ab'.repeat(32);
  assert.deepEqual(parseFromWebview({ type: 'smartSelectStart', loaded, extra: 1 }), { type: MessageType.SmartSelectStart, loaded });
  for (const bad of ['AB'.repeat(32), 'ab', 42, null])
    assert.throws(() => parseFromWebview({ type: 'smartSelectStart', loaded: bad }), /loaded must be a sha256/);
});

test('smartSelectEncoded parses embeddings or an error; a malformed one is refused with the reason', () => {
  const data = new ArrayBuffer(16);
  const ok = {
    type: 'smartSelectEncoded',
    requestId: 4,
    width: 7,
    height: 5,
    tensors: [{ name: 'image_embeddings', dims: [1, 4], data }],
    provider: 'webgpu',
    milliseconds: 12.5,
  };
  assert.deepEqual(parseFromWebview({ ...ok, extra: 1 }), { ...ok, type: MessageType.SmartSelectEncoded });
  assert.deepEqual(parseFromWebview({ type: 'smartSelectEncoded', requestId: 4, error: 'WebGPU gives no adapter' }), {
    type: MessageType.SmartSelectEncoded,
    requestId: 4,
    error: 'WebGPU gives no adapter',
  });
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ requestId: -1 }, /requestId/],
    [{ error: 'x'.repeat(2001) }, /error must be a string/],
    [{ width: 0 }, /width and height/],
    [{ tensors: [] }, /tensors must be/],
    [{ tensors: [{ name: 'a', dims: [1.5], data }] }, /tensors must be/],
    [{ tensors: [{ name: 'a', dims: [4], data: new Uint8Array(16) }] }, /tensors must be/],
    [{ tensors: [{ name: 7, dims: [4], data }] }, /tensors must be/],
    [{ tensors: [{ name: 'a', dims: [1, 1, 1, 1, 1, 1, 1, 1, 4], data }] }, /tensors must be/],
    [{ provider: '' }, /provider/],
    [{ milliseconds: Number.NaN }, /milliseconds/],
  ];
  for (const [change, reason] of cases) assert.throws(() => parseFromWebview({ ...ok, ...change }), reason, JSON.stringify(Object.keys(change)));
});
