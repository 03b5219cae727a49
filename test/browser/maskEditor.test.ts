import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encode } from 'fast-png';
import { defaultClasses } from '../../src/core/classes';
import { applyDelta, deltaMatches, deserializeDelta, serializeDelta, type MaskDelta } from '../../src/core/editing/delta';
import { buildBundle, init, openHarness, sendDelta, takePosted, type Harness } from './harness';

const W = 64;
const H = 48;
const classes = defaultClasses(4).map((c, i) => ({ ...c, name: ['background', 'road', 'car', 'tree'][i] }));

/** Left half reddish, right half bluish, with a little texture for the wand's tolerance. */
function testImage(): Uint8Array {
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    const left = i % W < W / 2;
    const t = (i * 7) % 9;
    data.set(left ? [200 + t, 50, 50] : [50, 50, 200 + t], i * 3);
  }
  return encode({ width: W, height: H, data, channels: 3, depth: 8 });
}

let h: Harness;
/** The host's copy: every delta must apply cleanly to it, as MaskModel requires. */
const host = { width: W, height: H, data: new Uint8Array(W * H) };
let box: { x: number; y: number; width: number; height: number };

/** Page coordinates of image pixel (x, y)'s centre after "fit". */
function at(x: number, y: number): [number, number] {
  const scale = Math.min(box.width / W, box.height / H);
  return [box.x + (box.width - W * scale) / 2 + (x + 0.5) * scale, box.y + (box.height - H * scale) / 2 + (y + 0.5) * scale];
}

async function nextEdit(label: string): Promise<MaskDelta> {
  await h.page.waitForFunction(() => (window as unknown as { posted: Array<{ type: string }> }).posted.some((m) => m.type === 'edit'));
  const edits = (await takePosted(h.page)).filter((m) => m.type === 'edit');
  assert.equal(edits.length, 1, 'one edit per gesture');
  assert.equal(edits[0].label, label);
  const delta = deserializeDelta(edits[0].delta!.buffer as ArrayBuffer, W, H);
  assert.ok(deltaMatches(host, delta, 'before'), 'the delta starts from the host mask');
  applyDelta(host, delta, 'redo');
  return delta;
}

async function statusAt(x: number, y: number): Promise<string> {
  await h.page.mouse.move(...at(x, y));
  return (await h.page.textContent('#status')) ?? '';
}

const value = (x: number, y: number) => host.data[y * W + x];

before(async () => {
  h = await openHarness(await buildBundle(), { bytes: testImage(), type: 'image/png' });
  await init(h.page, { width: W, height: H, mask: host.data, classes, ignoreIndex: 255 });
  await h.page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))));
  box = (await h.page.locator('#mask-canvas').boundingBox())!;
  await takePosted(h.page);
});

after(async () => {
  await h?.close();
});

test('the editor starts with the tools, the palette and a strict CSP intact', async () => {
  for (const tool of ['brush', 'eraser', 'ignore', 'fill', 'wand', 'polygon']) {
    assert.ok(await h.page.getAttribute(`[data-tool="${tool}"]`, 'aria-label'), `${tool} has a label`);
  }
  assert.equal(await h.page.locator('#class-list li').count(), 4);
  assert.match(await statusAt(1, 1), /x 1, y 1 · background \(0\)/);
});

test('a mouse stroke becomes one brush delta covering the stroke', async () => {
  await h.page.mouse.move(...at(10, 10));
  await h.page.mouse.down();
  for (let x = 12; x <= 30; x += 2) await h.page.mouse.move(...at(x, 10));
  await h.page.mouse.up();
  const delta = await nextEdit('Brush stroke');
  assert.deepEqual(delta.rect, { x0: 3, y0: 3, x1: 39, y1: 19 });
  assert.equal(value(20, 10), 1);
  assert.equal(value(20, 30), 0);
  assert.match(await statusAt(20, 10), /road \(1\)/);
});

test('flood fill, then undo and redo from the host', async () => {
  await h.page.keyboard.press('g');
  await h.page.keyboard.press('3'); // third class: car
  await h.page.mouse.click(...at(50, 40));
  const fill = await nextEdit('Flood fill');
  assert.equal(value(50, 40), 2);
  assert.equal(value(0, 0), 2);
  assert.equal(value(20, 10), 1, 'the stroke is another region');
  assert.match(await statusAt(60, 2), /car \(2\)/);
  applyDelta(host, fill, 'undo');
  await sendDelta(h.page, serializeDelta(fill), 'undo');
  assert.match(await statusAt(60, 2), /background \(0\)/);
  applyDelta(host, fill, 'redo');
  await sendDelta(h.page, serializeDelta(fill), 'redo');
  assert.match(await statusAt(60, 2), /car \(2\)/);
  const cars = host.data.filter((v) => v === 2).length;
  assert.equal(await h.page.textContent('#class-list li[data-class="2"] .count'), cars.toLocaleString('en-US'), 'palette counts follow the edits');
});

test('magic wand takes the image region of similar colour', async () => {
  await h.page.keyboard.press('w');
  await h.page.keyboard.press('4');
  await h.page.mouse.click(...at(5, 40));
  const delta = await nextEdit('Magic wand');
  assert.deepEqual(delta.rect, { x0: 0, y0: 0, x1: 32, y1: 48 });
  assert.equal(value(31, 47), 3);
  assert.equal(value(32, 47), 2);
});

test('eraser via its toolbar button, and a polygon closed with Enter', async () => {
  await h.page.click('[data-tool="eraser"]');
  await h.page.mouse.click(...at(40, 40));
  await nextEdit('Erase');
  assert.equal(value(40, 40), 0);
  await h.page.keyboard.press('p');
  await h.page.keyboard.press('2'); // road
  for (const [x, y] of [
    [40, 20],
    [60, 20],
    [60, 30],
    [40, 30],
  ])
    await h.page.mouse.click(...at(x, y));
  await h.page.keyboard.press('Enter');
  await nextEdit('Polygon fill');
  assert.equal(value(50, 25), 1);
  assert.equal(value(50, 35), 2);
});

test('classes are reachable by search and arrow keys, brush size by [ and ]', async () => {
  await h.page.locator('#mask-canvas').focus();
  await h.page.keyboard.press('/');
  await h.page.keyboard.type('car');
  await h.page.keyboard.press('Enter');
  assert.equal(await h.page.getAttribute('#class-list li[data-class="2"]', 'aria-selected'), 'true');
  assert.equal(await h.page.locator('#class-list li:not([hidden])').count(), 1);
  await h.page.locator('#class-search input').fill('');
  assert.equal(await h.page.locator('#class-list li:not([hidden])').count(), 4);
  await h.page.locator('#class-list li[data-class="2"]').focus();
  await h.page.keyboard.press('ArrowUp');
  assert.equal(await h.page.getAttribute('#class-list li[data-class="1"]', 'aria-selected'), 'true');
  await h.page.locator('#mask-canvas').focus();
  await h.page.keyboard.press('b');
  await h.page.keyboard.press(']');
  assert.equal(await h.page.inputValue('vscode-textfield[aria-label^="Brush size"] input'), '18');
  assert.equal(await h.page.getAttribute('[data-tool="brush"]', 'aria-pressed'), 'true');
});

test('the disagreement layer counts where a prediction differs from the mask, follows painting and toggles with D', async () => {
  const prediction = Uint8Array.from(host.data);
  prediction.fill(3, 36 * W); // the bottom rows predicted as "tree"
  const expected = () => host.data.reduce((n, v, i) => n + (v !== 255 && v < 4 && v !== prediction[i] ? 1 : 0), 0);
  const shown = async () => {
    const text = (await h.page.textContent('#disagreement-count')) ?? '';
    const m = /^([\d,]+) pixels disagree with demo-unet$/.exec(text);
    assert.ok(m, `count text: ${text}`);
    return Number(m[1].replace(/,/g, ''));
  };
  await h.page.evaluate(
    ({ bytes, w, h: height }) =>
      window.postMessage({ type: 'disagreement', model: 'demo-unet', width: w, height, prediction: new Uint8Array(bytes).buffer }, '*'),
    { bytes: Array.from(prediction), w: W, h: H },
  );
  await h.page.locator('#disagreement-count').waitFor();
  const before = expected();
  assert.ok(before > 0 && before <= (H - 36) * W, `${before} pixels differ`);
  assert.equal(await shown(), before);

  // Paint "tree" (class 4 in the palette's order) along the bottom: the count follows the mask.
  await h.page.keyboard.press('4');
  await h.page.keyboard.press('b');
  await h.page.mouse.move(...at(2, 42));
  await h.page.mouse.down();
  for (let x = 6; x <= 60; x += 4) await h.page.mouse.move(...at(x, 42));
  await h.page.mouse.up();
  await nextEdit('Brush stroke');
  assert.equal(value(30, 42), 3);
  await h.page.waitForFunction((n) => !document.querySelector('#disagreement-count')?.textContent?.startsWith(String(n)), before);
  assert.equal(await shown(), expected());
  assert.ok(expected() < before);

  await h.page.keyboard.press('d');
  assert.equal(await h.page.locator('#disagreement-count').isHidden(), true);
  assert.equal((await h.page.getAttribute('[data-action="toggle-disagreement"]', 'aria-pressed')) ?? 'false', 'false');
  await h.page.keyboard.press('d');
  assert.equal(await shown(), expected());
});

test('a refused edit is replaced by the host mask, and nothing broke the CSP', async () => {
  await h.page.evaluate((bytes) => window.postMessage({ type: 'replaceMask', mask: new Uint8Array(bytes).buffer }, '*'), Array.from(new Uint8Array(W * H)));
  assert.match(await statusAt(50, 25), /background \(0\)/);
  assert.deepEqual(await h.page.evaluate(() => (window as unknown as { violations: string[] }).violations), []);
});
