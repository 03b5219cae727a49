import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { decodePrompt, encodeImage } from '../../src/core/model/promptable/predictor';
import type { Embeddings } from '../../src/core/model/promptable/selection';
import { releasePromptableModel, type PromptableModel } from '../../src/core/model/promptable/load';
import type { Prompt } from '../../src/core/model/promptable/sam';
import { loadNativePromptable } from '../../src/node/promptableSessions';
import { tempDir } from '../core/dataset/fixtures';
import { BASE_SCORES, expectedEmbedding, expectedMask, mismatches, RADII, resized, samTestCard, uniformImage, type Pt } from '../model/promptable/fixtures';
import { promptableModelsDir } from '../model/testModels';

before(async () => {
  await promptableModelsDir();
});

const toPrompt = (points: Pt[], box?: [number, number, number, number]): Prompt => ({
  points: points.map(([x, y, label]) => ({ x, y, positive: label === 1 })),
  box: box && { x0: box[0], y0: box[1], x1: box[2], y1: box[3] },
});

async function withModel(t: { after(fn: () => void): void }, fn: (m: PromptableModel) => Promise<void>): Promise<void> {
  const model = await loadNativePromptable(await samTestCard(tempDir(t)), 1);
  try {
    await fn(model);
  } finally {
    await releasePromptableModel(model);
  }
}

function checkEmbeddings(e: Embeddings, width: number, height: number): void {
  const t = e.tensors.image_embeddings;
  assert.deepEqual(t.dims, [1, 256, 64, 64]);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 64; i++)
      for (let j = 0; j < 64; j++) {
        const got = t.data[c * 4096 + i * 64 + j];
        const want = expectedEmbedding(width, height, c, i, j);
        assert.ok(Math.abs(got - want) < 1e-4, `channel ${c} cell (${i}, ${j}): ${got}, expected ${want}`);
      }
  }
}

// Odd, non-square sizes: landscape upscaled (517x301 -> 1024x596), portrait downscaled (1201x2003 -> 614x1024).
for (const [width, height, points] of [
  [
    517,
    301,
    [
      [100, 50, 1],
      [300, 200, 1],
      [110, 60, 0],
    ],
  ],
  [
    1201,
    2003,
    [
      [900, 300, 1],
      [200, 1700, 1],
      [230, 1680, 0],
    ],
  ],
] as Array<[number, number, Pt[]]>) {
  test(`host runtime, ${width}x${height}: embeddings, the three candidates best first, scores`, async (t) => {
    await withModel(t, async (model) => {
      const e = await encodeImage(model.card, model.encoder, uniformImage(width, height));
      checkEmbeddings(e, width, height);
      const sel = await decodePrompt(model.card, model.decoder, e, toPrompt(points), undefined, 'test');
      assert.equal(sel.candidates.length, 3);
      // Scores 0.5, 0.9, 0.7 (+0.001 x the first point's embedding cell): radius 20 first, then 80, then 40.
      const [nw, nh] = resized(width, height);
      const cell = expectedEmbedding(width, height, 0, Math.floor((points[0][1] * nh) / height / 16), Math.floor((points[0][0] * nw) / width / 16));
      [1, 2, 0].forEach((k, rank) => {
        const c = sel.candidates[rank];
        assert.ok(Math.abs(c.score - (BASE_SCORES[k] + 0.001 * cell)) < 1e-5, `score ${c.score}`);
        const expected = expectedMask(width, height, points, RADII[k]);
        assert.equal(mismatches(c.mask, expected), 0, `candidate radius ${RADII[k]}`);
        assert.ok(expected.mask.reduce((a, b) => a + b, 0) > 100);
      });
    });
  });
}

test('host runtime: a box prompt with a negative point inside it', async (t) => {
  await withModel(t, async (model) => {
    const [width, height] = [333, 517];
    const e = await encodeImage(model.card, model.encoder, uniformImage(width, height));
    const points: Pt[] = [[150, 250, 0]];
    const box: [number, number, number, number] = [40, 101, 290, 400];
    const sel = await decodePrompt(model.card, model.decoder, e, toPrompt(points, [box[2], box[3], box[0], box[1]]), undefined, 'test');
    const best = sel.candidates[0];
    assert.equal(mismatches(best.mask, expectedMask(width, height, points, RADII[1], box)), 0);
    assert.equal(best.mask[250 * width + 150], 0);
    assert.equal(best.mask[101 * width + 39], 0);
    assert.equal(best.mask[102 * width + 41], 1);
  });
});

test('host runtime: the previous candidate goes back in as mask_input', async (t) => {
  await withModel(t, async (model) => {
    const [width, height] = [517, 301];
    const e = await encodeImage(model.card, model.encoder, uniformImage(width, height));
    const first = await decodePrompt(model.card, model.decoder, e, toPrompt([[100, 50, 1]]), undefined, 'test');
    const prev = first.candidates[0];
    assert.equal(prev.lowRes.length, 256 * 256);
    // low_res_masks: cell (i, j) sits at (4j, 4i) in the frame; the point at (100 * 1024/517, 50 * 596/301).
    const [fx, fy] = [(100 * 1024) / 517, (50 * 596) / 301];
    let inside = 0;
    for (let i = 0; i < 256; i++)
      for (let j = 0; j < 256; j++) {
        const d = Math.hypot(4 * j - fx, 4 * i - fy);
        if (Math.abs(d - 20) > 0.01) assert.equal(prev.lowRes[i * 256 + j] > 0, d < 20, `cell (${i}, ${j})`);
        if (prev.lowRes[i * 256 + j] > 0) inside++;
      }
    const second = await decodePrompt(
      model.card,
      model.decoder,
      e,
      toPrompt([
        [100, 50, 1],
        [300, 200, 1],
      ]),
      prev.lowRes,
      'test',
    );
    const cell = first.candidates[0].score - 0.9;
    assert.ok(
      Math.abs(second.candidates[0].score - (0.9 + inside / 65536 + cell)) < 1e-5,
      `has_mask_input and mask_input reach the decoder: ${second.candidates[0].score}`,
    );
  });
});
