import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DatasetIndex, ImageEntry } from '../../src/core/dataset/types';
import type { DatasetState } from '../../src/dataset/datasetState';
import { datasetChildren, PAGE_SIZE, parentOf, problemNodes, type TreeNode } from '../../src/dataset/treeNodes';

/** treeNodes only reads `index` from a dataset, so a plain object stands in for the VS Code-bound DatasetState. */
function dataset(count: number, problems = 0): DatasetState {
  const images: ImageEntry[] = Array.from({ length: count }, (_, i) => ({
    stem: `im_${i}`,
    image: `images/im_${i}.png`,
    predictions: [],
    splits: [],
    status: 'unlabeled',
  }));
  const index = {
    root: '/d',
    layout: 'plain',
    images,
    problems: Array.from({ length: problems }, (_, i) => ({ path: `/d/masks/o${i}.png`, kind: 'orphan-mask', message: 'orphan' })),
  } as unknown as DatasetIndex;
  return { index } as DatasetState;
}

const labelOf = (n: TreeNode) => (n.kind === 'page' ? `${n.start + 1}–${n.end}` : n.kind);

describe('dataset tree nodes', () => {
  it('lists up to 1,000 images directly', () => {
    const children = datasetChildren(dataset(PAGE_SIZE));
    assert.equal(children.length, PAGE_SIZE);
    assert.ok(children.every((n) => n.kind === 'image'));
  });

  it('groups more images into pages of at most 1,000', () => {
    assert.deepEqual(datasetChildren(dataset(PAGE_SIZE + 1)).map(labelOf), ['1–1000', '1001–1001']);
    const pages = datasetChildren(dataset(100_000));
    assert.equal(pages.length, 100);
    assert.equal(labelOf(pages[99]), '99001–100000');
  });

  it('adds a Problems node only when there are problems', () => {
    assert.equal(datasetChildren(dataset(3)).at(-1)?.kind, 'image');
    const ds = dataset(3, 2);
    assert.equal(datasetChildren(ds).at(-1)?.kind, 'problems');
    assert.equal(problemNodes(ds).length, 2);
  });

  it('finds the parent of an image: its page, or the dataset when there are no pages', () => {
    const big = dataset(2500);
    const page = parentOf({ kind: 'image', dataset: big, entry: big.index!.images[2100], position: 2100 });
    assert.deepEqual(page, { kind: 'page', dataset: big, start: 2000, end: 2500 });
    assert.deepEqual(parentOf(page!), { kind: 'dataset', dataset: big });
    const small = dataset(10);
    assert.equal(parentOf({ kind: 'image', dataset: small, entry: small.index!.images[3], position: 3 })?.kind, 'dataset');
  });

  it('builds nothing for a dataset that has not been read', () => {
    assert.deepEqual(datasetChildren({} as DatasetState), []);
  });
});
