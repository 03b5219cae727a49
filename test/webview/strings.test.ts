import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { ENGLISH_STRINGS } from '../browser/englishStrings';
import { ENGLISH_MIOU_STRINGS } from '../miou/englishStrings';
import { fill } from '../../webview/shared/strings';

test('fill puts values into a localised template by position, in any order, leaving unknown placeholders', () => {
  assert.equal(fill('Mask of {0}', 'a.png'), 'Mask of a.png');
  assert.equal(fill('{1} px in {0} ms', 12, '1,024'), '1,024 px in 12 ms');
  assert.equal(fill('{0} and {2}', 'x'), 'x and {2}');
});

test('the English strings the browser tests send are the host mask editor and mIoU view strings (l10n/bundle.l10n.json)', () => {
  const bundle: Record<string, string> = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'l10n', 'bundle.l10n.json'), 'utf8'));
  const leaves = (value: unknown): string[] => (typeof value === 'string' ? [value] : Object.values(value as object).flatMap(leaves));
  const strings = [...leaves(ENGLISH_STRINGS), ...leaves(ENGLISH_MIOU_STRINGS)];
  assert.ok(strings.length > 120);
  assert.deepEqual(
    strings.filter((s) => !(s in bundle)),
    [],
  );
});
