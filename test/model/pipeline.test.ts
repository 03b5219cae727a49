import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadModel, type LoadedModel } from '../../src/core/model/load';
import { predict } from '../../src/core/model/pipeline';
import { createBackend, type NodeProvider } from '../../src/node/onnxBackends';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { MODEL_KINDS, readReferences, referenceImage, referenceLogits, TEST_CLASSES, testModelsDir, type References } from './testModels';

const dataset = { classes: TEST_CLASSES, ignoreIndex: 255, path: 'test-dataset' };

/** Max |a - b| and the pixels whose argmax differs, ignoring pixels whose top two reference logits tie within `tie`. */
function compare(got: Float32Array, want: Float32Array, channels: number, tie = 1e-4) {
  const n = want.length / channels;
  let maxDiff = 0;
  let argmaxDiffs = 0;
  for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
  for (let p = 0; p < n; p++) {
    let gb = 0;
    let wb = 0;
    for (let c = 1; c < channels; c++) {
      if (got[c * n + p] > got[gb * n + p]) gb = c;
      if (want[c * n + p] > want[wb * n + p]) wb = c;
    }
    if (gb !== wb && Math.abs(want[gb * n + p] - want[wb * n + p]) > tie) argmaxDiffs++;
  }
  return { maxDiff, argmaxDiffs };
}

for (const provider of ['cpu', 'wasm'] as NodeProvider[]) {
  describe(`pipeline vs PyTorch references (${provider === 'cpu' ? 'onnxruntime-node' : 'onnxruntime-web wasm in Node'})`, () => {
    let dir: string;
    let refs: References;
    const loaded: LoadedModel[] = [];
    before(async () => {
      dir = await testModelsDir();
      refs = readReferences(dir);
    });
    after(async () => {
      for (const m of loaded) await m.backend.release();
    });
    const checkModel = async (folder: string, file: string, refName: string) => {
      const m = await loadModel(
        { fs: new NodeFileSystem(), createBackend: (b) => createBackend(provider, b, { threads: 1 }) },
        join(folder, `${file}.onnx`),
        dataset,
      );
      loaded.push(m);
      assert.deepEqual(m.model.defaults, []);
      assert.equal(m.model.input.multipleOf, refs[refName].multipleOf);
      const cases = Object.entries(refs[refName].cases);
      assert.ok(cases.length > 0, `no PyTorch reference cases for ${refName}`);
      for (const [kase, { width, height, channels }] of cases) {
        const prediction = await predict(referenceImage(folder, file, kase, width, height), m.model, m.backend, { keepLogits: true });
        const want = referenceLogits(folder, file, kase);
        assert.equal(prediction.logits!.length, want.length);
        const { maxDiff, argmaxDiffs } = compare(prediction.logits!, want, channels);
        assert.ok(maxDiff < 1e-3, `${refName}/${kase}: max |logit difference| ${maxDiff}`);
        assert.equal(argmaxDiffs, 0, `${refName}/${kase}: argmax differs at ${argmaxDiffs} pixels`);
        assert.equal(m.backend.provider, provider);
      }
    };
    for (const kind of MODEL_KINDS) {
      test(`${kind}: logits within 1e-3 and identical argmax, unpadded and padded inputs`, () => checkModel(dir, kind, kind));
    }
    test("the trainer's own export (backend/seglab_trainer: model.onnx + model.json) through its card", () => {
      const trainer = refs.trainer as References[string] & { error?: string };
      assert.equal(trainer.error, undefined, `the test-model script could not import the trainer: ${trainer.error}`);
      return checkModel(join(dir, 'trainer'), 'model', 'trainer');
    });
  });
}
