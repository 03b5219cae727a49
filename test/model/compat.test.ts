/**
 * The compatibility suite on the host path (loadModel + predict, as the extension host and the
 * CLI run them) on native ONNX Runtime and on onnxruntime-web's WASM build: every hand-written
 * model of a convention gives the known answer on every pixel of odd-sized images.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { loadModel } from '../../src/core/model/load';
import { predict } from '../../src/core/model/pipeline';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { createBackend, type NodeProvider } from '../../src/node/onnxBackends';
import { COMPAT_CLASSES, COMPAT_MODELS, COMPAT_SIZES, compatImage, IGNORE, wrongPixels } from './compatModels';
import { testModelsDir } from './testModels';

const dataset = { classes: COMPAT_CLASSES, ignoreIndex: IGNORE, path: 'compat-dataset' };

for (const provider of ['cpu', 'wasm'] as NodeProvider[]) {
  describe(`compatibility suite on the host path (${provider})`, () => {
    let dir: string;
    before(async () => {
      dir = join(await testModelsDir(), 'compat');
    });
    for (const name of COMPAT_MODELS) {
      test(`${name}: the known answer on every pixel`, async () => {
        const m = await loadModel({ fs: new NodeFileSystem(), createBackend: (b) => createBackend(provider, b, { threads: 1 }) }, join(dir, `${name}.onnx`), dataset);
        try {
          assert.deepEqual(m.model.defaults, []);
          for (const [width, height] of COMPAT_SIZES) {
            const image = compatImage(width, height);
            const p = await predict(image, m.model, m.backend);
            const r = wrongPixels(name, image, p.labels);
            assert.ok(r.checked >= width * (height - 1), `${name} ${width}x${height}: only ${r.checked} pixels checked (a tie row at most)`);
            assert.equal(r.wrong, 0, `${name} ${width}x${height}: ${r.wrong} wrong pixels (${r.first.join('; ')})`);
          }
        } finally {
          await m.backend.release();
        }
      });
    }
  });
}
