import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '../../../src/core/errors';
import { formatPromptableCard, isPromptableCardJson, parsePromptableCard, SAM_MEAN, SAM_STD, type SamCard } from '../../../src/core/model/promptable/card';
import { promptableFilesIn } from '../../../src/core/model/promptable/load';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { tempDir } from '../../core/dataset/fixtures';

const PATH = '/models/sam.json';
const minimal = { kind: 'promptable', family: 'sam', name: 'sam-b', encoder: { file: 'enc.onnx', input: { name: 'image' } }, decoder: { file: 'dec.onnx' } };
const parse = (v: unknown) => parsePromptableCard(JSON.stringify(v), PATH) as SamCard;

test('a minimal SAM card gets SAM preprocessing and SAM tensor names', () => {
  const card = parse(minimal);
  assert.deepEqual(card.encoder.input, { name: 'image', layout: 'NCHW', dtype: 'float32', size: 1024, mean: SAM_MEAN, std: SAM_STD });
  assert.deepEqual(card.decoder.inputs, {
    pointCoords: 'point_coords',
    pointLabels: 'point_labels',
    maskInput: 'mask_input',
    hasMaskInput: 'has_mask_input',
    origImSize: 'orig_im_size',
  });
  assert.deepEqual(card.decoder.outputs, { masks: 'masks', scores: 'iou_predictions', lowResMasks: 'low_res_masks' });
  assert.deepEqual(card.embeddings, { image_embeddings: 'image_embeddings' });
  assert.ok(isPromptableCardJson(JSON.parse(formatPromptableCard(card))));
  assert.deepEqual(parsePromptableCard(formatPromptableCard(card), PATH), card);
});

test('renamed tensors and an HWC uint8 encoder are described by the card', () => {
  const card = parse({
    ...minimal,
    encoder: { file: 'enc.onnx', input: { name: 'input_image', layout: 'HWC', dtype: 'uint8' } },
    decoder: { file: 'dec.onnx', inputs: { pointCoords: 'coords' }, outputs: { scores: 'scores' } },
    embeddings: { image_embeddings: 'image_embeddings', high_res_feats_0: 'high_res_feats_0' },
  });
  assert.deepEqual(card.encoder.input, { name: 'input_image', layout: 'HWC', dtype: 'uint8', size: 1024, mean: [0, 0, 0], std: [1, 1, 1] });
  assert.equal(card.decoder.inputs.pointCoords, 'coords');
  assert.equal(card.decoder.inputs.pointLabels, 'point_labels');
  assert.equal(card.decoder.outputs.scores, 'scores');
  assert.equal(card.embeddings.high_res_feats_0, 'high_res_feats_0');
});

test('bad promptable cards are errors naming the card and the field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ...minimal, kind: 'segmentation' }, /kind: expected "promptable"/],
    [{ ...minimal, family: 'sam3' }, /family: expected one of "sam", "clicks", got "sam3"/],
    [{ ...minimal, encoder: { file: '../enc.onnx', input: { name: 'image' } } }, /encoder\.file: expected a file name next to the card/],
    [{ ...minimal, encoder: { file: 'enc.onnx', input: { name: 'image', size: 1000.5 } } }, /encoder\.input\.size: expected a multiple of 4/],
    [
      { ...minimal, encoder: { file: 'enc.onnx', input: { name: 'image', layout: 'NHWC' } } },
      /encoder\.input\.layout: expected one of "NCHW", "HWC", got "NHWC"/,
    ],
    [{ ...minimal, encoder: { file: 'enc.onnx', input: { name: 'image', std: [1, 0, 1] } } }, /encoder\.input\.std: expected three positive numbers/],
    [
      { ...minimal, encoder: { file: 'enc.onnx', input: { name: 'image', dtype: 'uint8', mean: SAM_MEAN } } },
      /encoder\.input: a uint8 input takes the 0-255 pixels as they are/,
    ],
    [{ ...minimal, encoder: { file: 'enc.onnx', input: {} } }, /encoder\.input\.name: expected a non-empty string/],
    [{ ...minimal, decoder: { file: 'dec.onnx', inputs: { points: 'p' } } }, /decoder\.inputs\.points: unknown role/],
    [{ ...minimal, decoder: { file: 'dec.onnx', sha256: 'ABC' } }, /decoder\.sha256: expected 64 lowercase hex digits/],
    [{ ...minimal, embeddings: {} }, /embeddings: expected \{"<decoder input>": "<encoder output>"/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(
      () => parse(raw),
      (e: unknown) => e instanceof DataError && e.path === PATH && message.test(e.message),
      JSON.stringify(raw),
    );
  }
  assert.throws(() => parsePromptableCard('{', PATH), /\/models\/sam\.json: not valid JSON/);
});

test('promptableFilesIn: the encoder and decoder files that promptable cards of a folder name (a click model: its model)', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'sam.json'), JSON.stringify(minimal));
  writeFileSync(join(dir, 'clicks.json'), JSON.stringify({ kind: 'promptable', family: 'clicks', name: 'c', model: { file: 'clicks.onnx' } }));
  writeFileSync(join(dir, 'unet.json'), JSON.stringify({ name: 'unet', architecture: 'unet' }));
  writeFileSync(join(dir, 'broken.json'), '{');
  writeFileSync(join(dir, 'unet.onnx'), '');
  assert.deepEqual([...(await promptableFilesIn(new NodeFileSystem(), dir))].sort(), ['clicks.onnx', 'dec.onnx', 'enc.onnx']);
});
