import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { encode } from 'fast-png';
import { ADE20K_CLASSES } from '../../../src/core/formats/ade20k';
import { CITYSCAPES_CLASSES } from '../../../src/core/formats/cityscapes';
import { detectFormat, readSource, writeTarget } from '../../../src/core/formats/formats';
import type { LabelSource } from '../../../src/core/formats/source';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { jpegImage, pngImage, tempDir, writeFile } from '../dataset/fixtures';

const fs = new NodeFileSystem();

/** An 8-bit grayscale PNG, as Cityscapes' labelIds and ADE20K's annotations are stored. */
const grayPng = (width: number, height: number, values: number[]) => encode({ width, height, data: Uint8Array.from(values), channels: 1, depth: 8 });

async function labelMaps(source: LabelSource): Promise<Record<string, number[] | undefined>> {
  const out: Record<string, number[] | undefined> = {};
  for (const item of source.items) out[item.stem] = item.mask && [...(await item.mask()).data];
  return out;
}

/** Cityscapes' real naming: <split>/<city>/<city>_<seq>_<frame>_{leftImg8bit,gtFine_labelIds}.png (4 x 2 here). */
function makeCityscapes(root: string): void {
  const frame = (split: string, city: string, id: string, labelIds?: number[]) => {
    writeFile(join(root, 'leftImg8bit', split, city, `${city}_${id}_leftImg8bit.png`), pngImage(4, 2));
    if (!labelIds) return;
    writeFile(join(root, 'gtFine', split, city, `${city}_${id}_gtFine_labelIds.png`), grayPng(4, 2, labelIds));
    writeFile(join(root, 'gtFine', split, city, `${city}_${id}_gtFine_color.png`), pngImage(4, 2));
  };
  // unlabeled, ego vehicle, road, sidewalk, building, car, bicycle, person
  frame('train', 'aachen', '000000_000019', [0, 1, 7, 8, 11, 26, 33, 24]);
  frame('val', 'frankfurt', '000000_000294', [23, 23, 23, 23, 7, 7, 9, 9]); // sky, road, parking
  frame('test', 'berlin', '000000_000019');
}

describe('Cityscapes', () => {
  test('labelIds import to the 19 train ids (others 255), splits from the folders, unlabeled frames stay so', async (t) => {
    const dir = tempDir(t);
    makeCityscapes(dir);
    assert.equal(await detectFormat(fs, dir), 'cityscapes');
    const source = await readSource(fs, dir, 'cityscapes');
    assert.equal(source.classes.length, 19);
    assert.deepEqual([source.classes[0].name, source.classes[13].name, source.classes[18].name], ['road', 'car', 'bicycle']);
    assert.deepEqual(source.splits, ['test', 'train', 'val']);
    assert.deepEqual(
      source.items.map((i) => [i.stem, i.imageName, i.splits]),
      [
        ['berlin_000000_000019', 'berlin_000000_000019.png', ['test']],
        ['aachen_000000_000019', 'aachen_000000_000019.png', ['train']],
        ['frankfurt_000000_000294', 'frankfurt_000000_000294.png', ['val']],
      ],
    );
    assert.deepEqual(await labelMaps(source), {
      berlin_000000_000019: undefined,
      aachen_000000_000019: [255, 255, 0, 1, 2, 13, 18, 11],
      frankfurt_000000_000294: [10, 10, 10, 10, 0, 0, 255, 255],
    });
  });

  test('out: *_gtFine_labelTrainIds.png in the real folders, read back to the same masks', async (t) => {
    const dir = tempDir(t);
    makeCityscapes(join(dir, 'src'));
    const source = await readSource(fs, join(dir, 'src'), 'cityscapes');
    const result = await writeTarget(fs, source, join(dir, 'out'), 'cityscapes');
    assert.deepEqual(result, { images: 3, masks: 2, problems: [] });
    assert.ok(existsSync(join(dir, 'out', 'gtFine', 'train', 'aachen', 'aachen_000000_000019_gtFine_labelTrainIds.png')));
    assert.ok(existsSync(join(dir, 'out', 'leftImg8bit', 'test', 'berlin', 'berlin_000000_000019_leftImg8bit.png')));
    assert.deepEqual(await labelMaps(await readSource(fs, join(dir, 'out'), 'cityscapes')), await labelMaps(source));
  });

  test('an undecodable label file is named when its mask is read', async (t) => {
    const dir = tempDir(t);
    makeCityscapes(dir);
    const broken = join(dir, 'gtFine', 'val', 'frankfurt', 'frankfurt_000000_000294_gtFine_labelIds.png');
    writeFile(broken, 'not a png');
    const source = await readSource(fs, dir, 'cityscapes');
    await assert.rejects(source.items[2].mask!(), (err: Error) => err.message.startsWith(`${broken}: `));
  });
});

describe('ADE20K SceneParsing', () => {
  function makeAde(root: string, values: number[]): void {
    writeFile(join(root, 'images', 'training', 'ADE_train_00000001.jpg'), jpegImage(3, 2));
    writeFile(join(root, 'annotations', 'training', 'ADE_train_00000001.png'), grayPng(3, 2, values));
    writeFile(join(root, 'images', 'validation', 'ADE_val_00000001.jpg'), jpegImage(3, 2));
  }

  test('0 -> ignore, 1-150 -> 0-149 with the benchmark names; splits training and validation', async (t) => {
    const dir = tempDir(t);
    makeAde(dir, [0, 1, 2, 8, 13, 150]);
    assert.equal(await detectFormat(fs, dir), 'ade20k');
    const source = await readSource(fs, dir, 'ade20k');
    assert.equal(source.classes.length, 150);
    assert.deepEqual([ADE20K_CLASSES[0].name, ADE20K_CLASSES[7].name, ADE20K_CLASSES[12].name, ADE20K_CLASSES[149].name], ['wall', 'bed', 'person', 'flag']);
    assert.deepEqual(source.splits, ['training', 'validation']);
    assert.deepEqual(await labelMaps(source), { ADE_train_00000001: [255, 0, 1, 7, 12, 149], ADE_val_00000001: undefined });
  });

  test('a value above 150 is an error naming the file and the pixel', async (t) => {
    const dir = tempDir(t);
    makeAde(dir, [0, 1, 2, 8, 151, 150]);
    const source = await readSource(fs, dir, 'ade20k');
    await assert.rejects(source.items[0].mask!(), /ADE_train_00000001\.png: value 151 at pixel \(1, 1\) is not an ADE20K SceneParsing value \(0-150\)/);
  });

  test('the class tables are valid class lists (unique ids, names and colours)', async () => {
    const { checkClasses } = await import('../../../src/core/dataset/config');
    checkClasses(ADE20K_CLASSES, 255, 'ade20k');
    checkClasses(CITYSCAPES_CLASSES, 255, 'cityscapes');
  });
});
