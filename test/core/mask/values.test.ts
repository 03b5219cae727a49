import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultClasses } from '../../../src/core/classes';
import { countUnknownValues } from '../../../src/core/mask/values';

describe('countUnknownValues', () => {
  it('counts values that are neither a class id nor the ignore index', () => {
    const data = Uint8Array.from([0, 1, 2, 3, 3, 255, 200, 3, 254]);
    const unknown = countUnknownValues({ width: 9, height: 1, data }, defaultClasses(3), 255);
    assert.deepEqual(
      [...unknown],
      [
        [3, 3],
        [200, 1],
        [254, 1],
      ],
    );
  });

  it('uses class ids, not positions, and the given ignore index', () => {
    const classes = [
      { id: 0, name: 'a', color: [0, 0, 0] as [number, number, number] },
      { id: 7, name: 'b', color: [1, 1, 1] as [number, number, number] },
    ];
    const data = Uint8Array.from([0, 7, 1, 9, 255]);
    assert.deepEqual(
      [...countUnknownValues({ width: 5, height: 1, data }, classes, 9)],
      [
        [1, 1],
        [255, 1],
      ],
    );
  });

  it('is empty for a clean mask', () => {
    assert.equal(countUnknownValues({ width: 2, height: 1, data: Uint8Array.from([0, 255]) }, defaultClasses(1), 255).size, 0);
  });
});
