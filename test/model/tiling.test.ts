import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadModel, type LoadedModel } from '../../src/core/model/load';
import { predict } from '../../src/core/model/pipeline';
import { rampWeights, tileGrid, tileOrigins } from '../../src/core/model/tiling';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { createBackend } from '../../src/node/onnxBackends';
import { TEST_CLASSES, testModelsDir } from './testModels';

/**
 * Receptive-field radius of the test U-Net (depth 3, two 3x3 convolutions per level, 2x2 pools
 * and up-convolutions): about 58 px. Tiles are aligned to the model's multiple-of (8), so a
 * pixel at least this far from every inner tile edge that covers it sees exactly the same input
 * as in whole-image inference.
 */
const RADIUS = 64;
const TOLERANCE = 1e-4;

let m: LoadedModel;
before(async () => {
  const dir = await testModelsDir();
  m = await loadModel({ fs: new NodeFileSystem(), createBackend: (b) => createBackend('cpu', b, { threads: 1 }) }, join(dir, 'unet.onnx'), {
    classes: TEST_CLASSES,
    ignoreIndex: 255,
    path: 'd',
  });
});
after(() => m.backend.release());

test('tile origins are aligned, cover the padded side and end at it', () => {
  assert.deepEqual(tileOrigins(640, 256, 32, 8), [0, 224, 384]);
  assert.deepEqual(tileOrigins(200, 256, 32, 8), [0]);
  assert.deepEqual(tileGrid(500, 100, 256, 64, 32), { tileHeight: 128, tileWidth: 256, ys: [0], xs: [0, 192, 256], overlap: 64 });
  const w = rampWeights(8, 3);
  assert.deepEqual([...w], [0.25, 0.5, 0.75, 1, 1, 0.75, 0.5, 0.25]);
});

function image(width: number, height: number) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const blob = (x - 300) ** 2 + (y - 200) ** 2 < 90 ** 2;
      data[i] = blob ? 220 : (x * 3) & 255;
      data[i + 1] = ((x >> 4) + (y >> 4)) % 2 ? 200 : 40;
      data[i + 2] = (y * 5 + ((x * 7919) % 31)) & 255;
    }
  }
  return { width, height, channels: 3 as const, data };
}

test(`tiled inference equals whole-image inference within ${TOLERANCE} at pixels ${RADIUS}+ px from inner tile edges`, async (t) => {
  const width = 640;
  const height = 460; // padded to 464
  const img = image(width, height);
  const whole = await predict(img, m.model, m.backend, { tileSize: 4096, keepLogits: true });
  const tiled = await predict(img, m.model, m.backend, { tileSize: 256, overlap: 32, keepLogits: true });
  assert.equal(whole.tiles, 1);
  const grid = tileGrid(width, height, 256, 32, 8);
  assert.equal(tiled.tiles, grid.xs.length * grid.ys.length);
  assert.ok(tiled.tiles >= 6);
  // Distance to the nearest inner edge of the tiles covering a coordinate (image borders are not seams).
  const clearance = (v: number, origins: number[], tile: number, padded: number) =>
    Math.min(
      ...origins.filter((o) => o <= v && v < o + tile).map((o) => Math.min(o === 0 ? Infinity : v - o, o + tile === padded ? Infinity : o + tile - 1 - v)),
    );
  const n = width * height;
  const channels = m.model.labels.length;
  let checked = 0;
  let maxDiff = 0;
  let seamArgmaxSame = 0;
  for (let y = 0; y < height; y++) {
    const cy = clearance(y, grid.ys, grid.tileHeight, 464);
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (Math.min(cy, clearance(x, grid.xs, grid.tileWidth, 640)) >= RADIUS) {
        checked++;
        for (let c = 0; c < channels; c++) maxDiff = Math.max(maxDiff, Math.abs(tiled.logits![c * n + p] - whole.logits![c * n + p]));
        assert.equal(tiled.labels[p], whole.labels[p]);
      } else if (tiled.labels[p] === whole.labels[p]) seamArgmaxSame++;
    }
  }
  t.diagnostic(
    `${tiled.tiles} tiles; ${checked} of ${n} pixels away from seams, max |diff| ${maxDiff.toExponential(2)}; seam labels agree ${((100 * seamArgmaxSame) / (n - checked)).toFixed(1)}%`,
  );
  assert.ok(checked > n / 4, `only ${checked} of ${n} pixels are away from seams`);
  assert.ok(maxDiff <= TOLERANCE, `max |logit difference| away from seams: ${maxDiff}`);
  // Near seams the blend differs from the whole image by design; most labels still agree.
  assert.ok(seamArgmaxSame / (n - checked) > 0.8, `labels agree at ${seamArgmaxSame} of ${n - checked} seam pixels`);
});
