import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fill } from '../../webview/shared/strings';

test('fill puts values into a localised template by position, in any order, leaving unknown placeholders', () => {
  assert.equal(fill('Mask of {0}', 'a.png'), 'Mask of a.png');
  assert.equal(fill('{1} px in {0} ms', 12, '1,024'), '1,024 px in 12 ms');
  assert.equal(fill('{0} and {2}', 'x'), 'x and {2}');
});
