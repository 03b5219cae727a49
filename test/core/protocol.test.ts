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

test('toArrayBuffer copies exactly the view, not its backing buffer', () => {
  const backing = new Uint8Array([9, 1, 2, 3, 9]);
  const buffer = toArrayBuffer(backing.subarray(1, 4));
  assert.deepEqual([...new Uint8Array(buffer)], [1, 2, 3]);
});
