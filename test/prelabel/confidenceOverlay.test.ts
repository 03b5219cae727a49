import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confidenceOverlay, HATCH_PERIOD } from '../../webview/prelabel/confidenceOverlay';

test('pixels below the threshold are hatched, the others transparent', () => {
  const width = 12;
  const conf = new Uint8Array(width * 2).fill(255);
  conf[0] = 10;
  conf[HATCH_PERIOD / 2] = 127;
  const rgba = confidenceOverlay(conf, width, 2, 128);
  assert.deepEqual([...rgba.subarray(0, 4)], [0, 0, 0, 110]); // dark stripe
  const light = (HATCH_PERIOD / 2) * 4;
  assert.deepEqual([...rgba.subarray(light, light + 4)], [255, 255, 255, 70]);
  const hatched = [...Array(width * 2).keys()].filter((i) => rgba[i * 4 + 3] > 0);
  assert.deepEqual(hatched, [0, HATCH_PERIOD / 2]);
});
