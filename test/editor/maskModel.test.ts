import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { strokeSegment } from '../../src/core/editing/brush';
import { deserializeDelta, serializeDelta } from '../../src/core/editing/delta';
import { ChangeTracker } from '../../src/core/editing/tracker';
import { DataError } from '../../src/core/errors';
import { decodeMask } from '../../src/core/mask/codec';
import { findImageContext, saveAsProblem } from '../../src/editor/imageContext';
import { loadMask, MaskModel } from '../../src/editor/maskModel';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { indexedMask, jpegImage, pngImage, tempDir, writeFile } from '../core/dataset/fixtures';

const fs = new NodeFileSystem();

/** A plain dataset with one labelled and one unlabelled image. */
function dataset(t: { after(fn: () => void): void }): string {
  const root = tempDir(t);
  writeFile(join(root, 'images', 'a.jpg'), jpegImage(8, 6));
  writeFile(join(root, 'images', 'sub', 'b.png'), pngImage(8, 6));
  writeFile(join(root, 'masks', 'a.png'), indexedMask(8, 6, new Uint8Array(48).fill(1)));
  return root;
}

function strokeDelta(model: MaskModel): ArrayBuffer {
  const copy = { ...model.mask, data: model.mask.data.slice() };
  const tracker = new ChangeTracker(copy);
  strokeSegment(copy, tracker, { x: 0, y: 0 }, { x: 7, y: 0 }, { shape: 'square', size: 1 }, { value: 2 });
  return serializeDelta(tracker.finish()!);
}

test('an image finds its dataset root and mask path from any depth', async (t) => {
  const root = dataset(t);
  const a = await findImageContext(fs, join(root, 'images', 'a.jpg'));
  assert.equal(a.root, root);
  assert.equal(a.maskPath, join(root, 'masks', 'a.png'));
  const b = await findImageContext(fs, join(root, 'images', 'sub', 'b.png'));
  assert.equal(b.maskPath, join(root, 'masks', 'b.png'));
  await assert.rejects(findImageContext(fs, join(tempDir(t), 'x.jpg')), /not inside a SegLab dataset/);
});

test('a mask or a prediction is not opened as an image', async (t) => {
  const root = dataset(t);
  writeFile(join(root, 'predictions', 'm', 'a.png'), indexedMask(8, 6, new Uint8Array(48)));
  await assert.rejects(
    findImageContext(fs, join(root, 'masks', 'a.png')),
    (e: Error) => e.message.includes(join(root, 'masks', 'a.png')) && /is a mask of the dataset/.test(e.message),
  );
  await assert.rejects(findImageContext(fs, join(root, 'predictions', 'm', 'a.png')), /is a prediction of the dataset/);
});

test('Save As refuses the image itself, the images folder and non-PNG names', async (t) => {
  const root = dataset(t);
  const context = await findImageContext(fs, join(root, 'images', 'a.jpg'));
  assert.match(saveAsProblem(context, join(root, 'images', 'a.jpg')) ?? '', /a mask is saved as a PNG/);
  assert.match(saveAsProblem(context, join(root, 'images', 'sub', 'b.png')) ?? '', /in the dataset's images folder/);
  const png = await findImageContext(fs, join(root, 'images', 'sub', 'b.png'));
  assert.match(saveAsProblem(png, join(root, 'images', 'sub', 'b.png')) ?? '', /is the image being labeled/);
  assert.equal(saveAsProblem(context, join(root, 'masks', 'a-copy.png')), undefined);
  assert.equal(saveAsProblem(context, join(root, '..', 'export', 'a.PNG')), undefined);
});

test('an edit is applied, undone, redone and saved atomically; the first save creates the mask', async (t) => {
  const root = dataset(t);
  const context = await findImageContext(fs, join(root, 'images', 'sub', 'b.png'));
  const model = new MaskModel(context, await loadMask(fs, context));
  assert.ok(
    model.mask.data.every((v) => v === 0),
    'unlabelled images start empty',
  );
  const delta = model.applyEdit(strokeDelta(model));
  assert.deepEqual([...model.mask.data.subarray(0, 8)], [2, 2, 2, 2, 2, 2, 2, 2]);
  assert.ok(model.step(delta, 'undo'));
  assert.equal(model.mask.data[0], 0);
  assert.equal(model.step(delta, 'undo'), false, 'undoing twice is refused');
  assert.ok(model.step(delta, 'redo'));
  await model.save(fs);
  assert.deepEqual(model.journal, [], 'saving starts a new journal');
  const saved = decodeMask(readFileSync(context.maskPath), { path: context.maskPath, classes: context.config.classes });
  assert.deepEqual(saved.data, model.mask.data);
});

test('stale or malformed edits are refused without changing the mask', async (t) => {
  const root = dataset(t);
  const context = await findImageContext(fs, join(root, 'images', 'a.jpg'));
  const model = new MaskModel(context, await loadMask(fs, context));
  const edit = strokeDelta(model);
  model.applyEdit(edit);
  const before = model.mask.data.slice();
  assert.throws(() => model.applyEdit(edit), /does not match/);
  assert.throws(() => model.applyEdit(new ArrayBuffer(3)), /too short/);
  assert.deepEqual(model.mask.data, before);
});

test('a wrong-size mask file is refused, naming both files', async (t) => {
  const root = dataset(t);
  const context = await findImageContext(fs, join(root, 'images', 'a.jpg'));
  writeFile(context.maskPath, indexedMask(4, 4, new Uint8Array(16)));
  await assert.rejects(loadMask(fs, context), /mask is 4x4 but its image .* is 8x6/);
  assert.ok(existsSync(context.maskPath));
});

test('a broken seglab.json is reported, not skipped', async (t) => {
  const root = dataset(t);
  writeFile(join(root, 'seglab.json'), '{ not json');
  await assert.rejects(findImageContext(fs, join(root, 'images', 'a.jpg')), (error: Error) => error.message.startsWith(join(root, 'seglab.json')));
});

test('an edit that writes a value that is no class id nor the ignore index is refused like an out-of-bounds one', async (t) => {
  const root = tempDir(t);
  writeFile(
    join(root, 'seglab.json'),
    JSON.stringify({
      classes: [
        { id: 0, name: 'bg', color: [0, 0, 0] },
        { id: 1, name: 'fg', color: [255, 0, 0] },
      ],
    }),
  );
  writeFile(join(root, 'images', 'a.png'), pngImage(8, 6));
  // One pixel already holds 9 (found by validation): editing around it stays possible.
  writeFile(
    join(root, 'masks', 'a.png'),
    indexedMask(
      8,
      6,
      new Uint8Array(48).map((_, i) => (i === 47 ? 9 : 1)),
    ),
  );
  const context = await findImageContext(fs, join(root, 'images', 'a.png'));
  const model = new MaskModel(context, await loadMask(fs, context));
  const paint = (value: number, from = { x: 0, y: 0 }, to = { x: 7, y: 0 }) => {
    const copy = { ...model.mask, data: model.mask.data.slice() };
    const tracker = new ChangeTracker(copy);
    strokeSegment(copy, tracker, from, to, { shape: 'square', size: 1 }, { value });
    return serializeDelta(tracker.finish()!);
  };
  const before = model.mask.data.slice();
  assert.throws(() => model.applyEdit(paint(7)), /delta: pixel 0,0 would become 7, which is no class id nor the ignore index/);
  assert.throws(() => model.applyEdit(paint(2)), /would become 2/);
  assert.deepEqual(model.mask.data, before);
  model.applyEdit(paint(255));
  const around = deserializeDelta(paint(0, { x: 7, y: 4 }, { x: 0, y: 5 }), 8, 6);
  assert.deepEqual(around.rect, { x0: 0, y0: 4, x1: 8, y1: 6 }); // holds the 9, leaves it
  model.applyEdit(serializeDelta(around));
  assert.equal(model.mask.data[0], 255);
  assert.equal(model.mask.data[40], 0);
  assert.equal(model.mask.data[47], 9);
});

test('an image or mask whose real path is outside the dataset is not opened', async (t) => {
  const root = dataset(t);
  const outside = tempDir(t);
  writeFile(join(outside, 'x.png'), pngImage(8, 6));
  writeFile(join(outside, 'm.png'), indexedMask(8, 6, new Uint8Array(48)));
  symlinkSync(join(outside, 'x.png'), join(root, 'images', 'leak.png'));
  const leak = await findImageContext(fs, join(root, 'images', 'leak.png'));
  await assert.rejects(
    loadMask(fs, leak),
    (e: DataError) => e.path === join(root, 'images', 'leak.png') && /outside the dataset; not followed/.test(e.message),
  );
  symlinkSync(join(outside, 'm.png'), join(root, 'masks', 'b.png'));
  const b = await findImageContext(fs, join(root, 'images', 'sub', 'b.png'));
  await assert.rejects(loadMask(fs, b), (e: DataError) => e.path === join(root, 'masks', 'b.png') && /outside the dataset/.test(e.message));
});
