/**
 * The compatibility suite on the host path (loadModel + predict, as the extension host and the
 * CLI run them) on native ONNX Runtime and on onnxruntime-web's WASM build: every hand-written
 * model of a convention gives the known answer on every pixel of odd-sized images.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { parseModelCard } from '../../src/core/model/card';
import { loadModel, resolveForBackend } from '../../src/core/model/load';
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
        const m = await loadModel(
          { fs: new NodeFileSystem(), createBackend: (b) => createBackend(provider, b, { threads: 1 }) },
          join(dir, `${name}.onnx`),
          dataset,
        );
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

test('a fixed-size model under each resize mode: stretch, letterbox and tiles each give their own known answer', async () => {
  const dir = join(await testModelsDir(), 'compat');
  const bytes = readFileSync(join(dir, 'stretch.onnx'));
  const backend = await createBackend('cpu', bytes, { threads: 1 });
  try {
    // The model marks the top 16 of its 32 rows; on a 37x23 image the boundary falls at image row
    // 11 stretched (23 rows fill 32), 17.9 letterboxed (23 rows become 20), 16 in 32x32 tiles.
    const firstBackgroundRow = { stretch: 12, letterbox: 18, tiles: 16 };
    for (const [resize, row] of Object.entries(firstBackgroundRow)) {
      const raw = JSON.parse(readFileSync(join(dir, 'stretch.json'), 'utf8'));
      raw.input.resize = resize;
      const model = await resolveForBackend(
        backend,
        'stretch.onnx',
        { card: parseModelCard(JSON.stringify(raw), 'stretch.json'), path: 'stretch.json' },
        dataset,
      );
      const p = await predict(compatImage(37, 23), model, backend);
      const rows = Array.from({ length: 23 }, (_, y) => p.labels[y * 37]);
      const want: number[] = rows.map((_, y) => (y < row ? 1 : 0));
      if (resize === 'stretch') want[11] = rows[11]; // the tie row
      assert.deepEqual(rows, want, resize);
      for (let y = 0; y < 23; y++)
        assert.ok(
          p.labels.subarray(y * 37, y * 37 + 37).every((v) => v === rows[y]),
          `${resize}: row ${y} is not uniform`,
        );
    }
  } finally {
    await backend.release();
  }
});
