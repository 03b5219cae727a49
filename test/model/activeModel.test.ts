import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestByValMiou, chooseActive, recordedValMiou } from '../../src/core/model/activeModel';

test('recordedValMiou: the final mIoU, else the best epoch, else a plain miou; nothing for cards without one', () => {
  assert.equal(recordedValMiou({ final: { miou: 0.65 }, valMiou: [{ epoch: 1, miou: 0.9 }] }), 0.65);
  assert.equal(
    recordedValMiou({
      valMiou: [
        { epoch: 1, miou: 0.2 },
        { epoch: 2, miou: 0.5 },
        { epoch: 3, miou: 0.4 },
      ],
    }),
    0.5,
  );
  assert.equal(recordedValMiou({ miou: 0.3 }), 0.3);
  for (const none of [undefined, null, 'x', {}, { valMiou: [] }, { valMiou: [{ miou: 'high' }, null] }, { final: { miou: Number.NaN } }]) {
    assert.equal(recordedValMiou(none), undefined, JSON.stringify(none));
  }
});

test('bestByValMiou: the highest recorded value, ties by name, models without one never win', () => {
  const a = { uri: 'u:a', name: 'a', valMiou: 0.58 };
  const b = { uri: 'u:b', name: 'b', valMiou: 0.65 };
  const c = { uri: 'u:c', name: 'c' };
  assert.equal(bestByValMiou([a, b, c]), b);
  assert.equal(bestByValMiou([{ ...b, name: 'z' }, b])?.name, 'b');
  assert.equal(bestByValMiou([c]), undefined);
  assert.equal(bestByValMiou([]), undefined);
});

test("chooseActive: the person's choice stays; an automatic one follows the best model while nothing was chosen", () => {
  const models = [
    { uri: 'u:deeplab', name: 'deeplab', valMiou: 0.58 },
    { uri: 'u:unet', name: 'unet', valMiou: 0.65 },
  ];
  assert.deepEqual(chooseActive(undefined, models), { uri: 'u:unet', name: 'unet', auto: { valMiou: 0.65 } });
  const chosen = { uri: 'u:deeplab', name: 'deeplab' };
  assert.equal(chooseActive(chosen, models), chosen, 'a chosen model is kept although another scores higher');
  const missing = { uri: 'u:gone', name: 'gone' };
  assert.equal(chooseActive(missing, models), missing, 'a chosen model whose folder is not loaded yet is not replaced');
  const auto = { uri: 'u:deeplab', name: 'deeplab', auto: { valMiou: 0.58 } };
  assert.equal(chooseActive(auto, models), auto, 'an automatic choice is stable while its model exists');
  assert.equal(chooseActive({ uri: 'u:gone', name: 'gone', auto: { valMiou: 0.9 } }, models)?.name, 'unet', 'a vanished automatic choice is made again');
  assert.equal(chooseActive(undefined, [{ uri: 'u:x', name: 'x' }]), undefined, 'no recorded mIoU: no automatic choice');
});
