import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stepFrom } from '../../../src/core/dataset/navigate';
import type { ImageEntry } from '../../../src/core/dataset/types';

const entry = (stem: string, labeled: boolean): ImageEntry => ({
  stem,
  image: `images/${stem}.jpg`,
  mask: labeled ? `masks/${stem}.png` : undefined,
  predictions: [],
  splits: [],
  status: labeled ? 'labeled' : 'unlabeled',
});
// a, c and e are labeled; b and d are not
const images = ['a', 'b', 'c', 'd', 'e'].map((s, i) => entry(s, i % 2 === 0));

test('next and previous follow the dataset order and stop at its ends', () => {
  assert.equal(stepFrom(images, 0, 'next')?.stem, 'b');
  assert.equal(stepFrom(images, 4, 'next'), undefined);
  assert.equal(stepFrom(images, 2, 'previous')?.stem, 'b');
  assert.equal(stepFrom(images, 0, 'previous'), undefined);
});

test('next unlabeled skips labeled images, goes round, and never returns the image it starts from', () => {
  assert.equal(stepFrom(images, 0, 'nextUnlabeled')?.stem, 'b');
  assert.equal(stepFrom(images, 1, 'nextUnlabeled')?.stem, 'd');
  assert.equal(stepFrom(images, 3, 'nextUnlabeled')?.stem, 'b');
  assert.equal(stepFrom(images, 4, 'nextUnlabeled')?.stem, 'b');
  assert.equal(stepFrom([entry('x', false)], 0, 'nextUnlabeled'), undefined);
  assert.equal(
    stepFrom(
      images.filter((e) => e.mask),
      0,
      'nextUnlabeled',
    ),
    undefined,
  );
});
