import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_CURVE_POINTS, MIOU_PROTOCOL_VERSION, MiouMessageType, parseFromMiouWebview, parseTrainingMessage } from '../../src/core/miouProtocol';

test('valid webview messages parse to copies with only the known fields', () => {
  assert.deepEqual(parseFromMiouWebview({ type: 'ready', version: MIOU_PROTOCOL_VERSION, extra: 1 }), {
    type: MiouMessageType.Ready,
    version: MIOU_PROTOCOL_VERSION,
  });
  assert.deepEqual(parseFromMiouWebview({ type: 'select', messageId: 3, selection: { split: 'val', x: 1 } }), {
    type: MiouMessageType.Select,
    messageId: 3,
    selection: { split: 'val' },
  });
  assert.deepEqual(parseFromMiouWebview({ type: 'openImage', name: 'a', showDisagreement: true }), {
    type: MiouMessageType.OpenImage,
    name: 'a',
    showDisagreement: true,
  });
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

const run = {
  source: 'job',
  title: 'unet · job 1a2b3c4d',
  state: 'running',
  epochs: 20,
  loss: [{ x: 1, y: 0.9 }],
  stepLoss: [{ x: 0.5, y: 1.1 }],
  valMiou: [{ x: 1, y: 0.31 }],
  bestEpoch: 1,
};

test('a training message parses to a copy with only the known fields', () => {
  const parsed = parseTrainingMessage({ type: 'training', runs: [{ ...run, extra: 1, loss: [{ x: 1, y: 0.9, z: 3 }] }], note: 'n' });
  assert.deepEqual(parsed, { type: MiouMessageType.Training, runs: [run], note: 'n' });
  assert.deepEqual(parseTrainingMessage({ type: 'training', runs: [] }), { type: MiouMessageType.Training, runs: [] });
  const card = { source: 'card', title: 'demo-unet', state: 'succeeded', loss: [], stepLoss: [], valMiou: [{ x: 1, y: 0.5 }], error: 'e' };
  assert.deepEqual(parseTrainingMessage({ type: 'training', runs: [card] }).runs[0], card);
});

test('malformed training messages are refused with a reason', () => {
  const bad = (change: Record<string, unknown>) => ({ type: 'training', runs: [{ ...run, ...change }] });
  const cases: [unknown, RegExp][] = [
    [{ type: 'results', runs: [] }, /not a training message/],
    [{ type: 'training' }, /runs must be an array/],
    [{ type: 'training', runs: [], note: 3 }, /note must be a string/],
    [{ type: 'training', runs: [1] }, /runs\[0\] must be an object/],
    [bad({ source: 'disk' }), /runs\[0\]\.source/],
    [bad({ state: 'exploded' }), /runs\[0\]\.state must be one of/],
    [bad({ title: '' }), /runs\[0\]\.title/],
    [bad({ loss: [{ x: 1, y: Number.NaN }] }), /runs\[0\]\.loss\[0\] must be \{x, y\} with finite numbers/],
    [bad({ valMiou: 'high' }), /runs\[0\]\.valMiou must be an array/],
    [bad({ stepLoss: Array.from({ length: MAX_CURVE_POINTS + 1 }, (_, i) => ({ x: i, y: 1 })) }), /at most 5000 points/],
    [bad({ epochs: 0 }), /epochs must be a positive integer/],
    [bad({ bestEpoch: 1.5 }), /bestEpoch must be a positive integer/],
    [bad({ error: 42 }), /error must be a string/],
  ];
  for (const [message, error] of cases) assert.throws(() => parseTrainingMessage(message), error);
});
