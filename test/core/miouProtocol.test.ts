import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIOU_PROTOCOL_VERSION, MiouMessageType, parseFromMiouWebview } from '../../src/core/miouProtocol';

test('valid webview messages parse to copies with only the known fields', () => {
  assert.deepEqual(parseFromMiouWebview({ type: 'ready', version: MIOU_PROTOCOL_VERSION, extra: 1 }), { type: MiouMessageType.Ready, version: MIOU_PROTOCOL_VERSION });
  assert.deepEqual(parseFromMiouWebview({ type: 'select', messageId: 3, selection: { split: 'val', x: 1 } }), { type: MiouMessageType.Select, messageId: 3, selection: { split: 'val' } });
  assert.deepEqual(parseFromMiouWebview({ type: 'openImage', name: 'a', showDisagreement: true }), { type: MiouMessageType.OpenImage, name: 'a', showDisagreement: true });
  assert.deepEqual(parseFromMiouWebview({ type: 'export', format: 'csv' }), { type: MiouMessageType.Export, format: 'csv' });
  assert.deepEqual(parseFromMiouWebview({ type: 'cancel' }), { type: MiouMessageType.Cancel });
});

test('malformed webview messages are refused with a reason', () => {
  const cases: [unknown, RegExp][] = [
    [null, /not an object/],
    [{ type: 'ready', version: 99 }, /protocol 99/],
    [{ type: 'compute' }, /compute: messageId/],
    [{ type: 'select', messageId: 1, selection: { model: '' } }, /selection\.model/],
    [{ type: 'select', messageId: 1, selection: 'all' }, /selection must be an object/],
    [{ type: 'openImage', name: 'a' }, /showDisagreement/],
    [{ type: 'export', format: 'pdf' }, /format/],
    [{ type: 'results' }, /unknown message type "results"/],
  ];
  for (const [message, error] of cases) assert.throws(() => parseFromMiouWebview(message), error);
});
