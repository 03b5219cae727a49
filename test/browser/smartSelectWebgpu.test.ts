/**
 * Smart Select's image encoder on WebGPU in the built webview (headless Chromium, WebGPU on
 * SwiftShader, production CSP): the host's part is played here as answerSmartSelect plays it
 * (SmartSelectModel, then SmartSelectEncode with the encoder's address), the webview fetches the
 * known-answer pair's encoder, runs it through the core encodeImage on WebGPU, uses the result
 * at once and posts it back. What it posts passes the host's checks (parseFromWebview,
 * embeddingsFromMessage, checkEncoderOutput against the native encoder's outputs) and equals the
 * native host encoder's embeddings within EMBEDDING_TOLERANCE, and clicks commit exactly the
 * known answer. A non-square image of odd size with varied pixels, so a resize, padding or
 * channel mistake in the webview's encoder input changes the embeddings. SwiftShader takes 40-50 s
 * for this one encoder (its shaders compiled on the CPU) on the loaded 2-core machine, so that
 * test runs only with SEGLAB_TEST_WEBGPU=1, like the engine's WebGPU tests; the default run has the
 * e2e scenario smartSelectWebgpu (code-server, WebGPU on SwiftShader) and the test below: in a
 * browser without WebGPU the webview answers the request with an error (the host then encodes
 * natively).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encode } from 'fast-png';
import { defaultClasses } from '../../src/core/classes';
import { checkEncoderOutput, embeddingsFromMessage } from '../../src/core/model/promptable/embeddingTensors';
import { releasePromptableModel, type PromptableModel } from '../../src/core/model/promptable/load';
import { encodeImage } from '../../src/core/model/promptable/predictor';
import type { Embeddings } from '../../src/core/model/promptable/selection';
import { MessageType, parseFromWebview } from '../../src/core/protocol';
import { loadNativePromptable } from '../../src/node/promptableSessions';
import { expectedMask, mismatches, RADII, samTestCard, type Pt } from '../model/promptable/fixtures';
import { buildBundle, chooseSmartSelect, CHROMIUM_PATH, init, openHarness, ortWasmFiles, takeOneEdit, takePosted, type Harness } from './harness';

const [W, H] = [211, 137];
/** Largest |WebGPU - native| per embedding value allowed; measured: see the test's log line. */
const EMBEDDING_TOLERANCE = 1e-4;
/** SwiftShader compiles the shaders on the first run: seconds to a minute on the loaded 2-core machine. */
const ENCODE_MS = 180_000;
const POINTS: Pt[] = [
  [40, 30, 1],
  [150, 100, 1],
  [156, 106, 0],
];

/** Varied pixels: a different gradient per channel plus a pattern, so every 16-pixel cell's means differ. */
function variedImage(): { width: number; height: number; channels: 3; data: Uint8Array } {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      data[i] = (x * 255) / (W - 1);
      data[i + 1] = (y * 255) / (H - 1);
      data[i + 2] = ((x * 7 + y * 13) % 64) * 4;
    }
  }
  return { width: W, height: H, channels: 3, data };
}

let dir: string;
let model: PromptableModel;
let decoder: Uint8Array;
let native: Embeddings;
let files: Record<string, Uint8Array>;
let png: Uint8Array;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seglab-smart-select-webgpu-'));
  const cardPath = await samTestCard(dir);
  model = await loadNativePromptable(cardPath, 1);
  decoder = readFileSync(join(dirname(cardPath), 'sam_test.decoder.onnx'));
  const image = variedImage();
  native = await encodeImage(model.card, model.encoder, image);
  png = encode({ width: W, height: H, data: image.data, channels: 3, depth: 8 });
  files = {
    ...ortWasmFiles(),
    '/decoder': decoder,
    '/encoder': readFileSync(join(dirname(cardPath), 'sam_test.encoder.onnx')),
  };
});

after(async () => {
  if (model) await releasePromptableModel(model);
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the editor on the image, chooses Smart Select and plays the host's SmartSelectModel and SmartSelectEncode (request 7). */
async function startEncoding(h: Harness): Promise<void> {
  const { page } = h;
  await init(page, { width: W, height: H, mask: new Uint8Array(W * H), classes: defaultClasses(3), ignoreIndex: 255 });
  await takePosted(page);
  await chooseSmartSelect(page);
  const sha = createHash('sha256').update(decoder).digest('hex');
  await page.evaluate(
    async ({ card, sha }) => {
      const decoder = await (await fetch('/decoder')).arrayBuffer();
      window.postMessage({ type: 'smartSelectModel', card, cardPath: '/models/sam_test.json', decoderSha256: sha, decoder, embeddings: true }, '*');
      window.postMessage({ type: 'smartSelectEncode', requestId: 7, decoderSha256: sha, encoderName: 'sam_test.encoder.onnx', encoderUri: '/encoder' }, '*');
    },
    { card: model.card, sha },
  );
}

/** The webview's SmartSelectEncoded as the host receives it (ArrayBuffers), once posted. */
async function encodedMessage(h: Harness, timeout: number): Promise<unknown> {
  await h.page.waitForFunction(
    () => (window as unknown as { posted: Array<{ type: string }> }).posted.some((m) => m.type === 'smartSelectEncoded'),
    undefined,
    {
      timeout,
    },
  );
  // No named functions inside: tsx would wrap them in a helper the page does not have.
  const raw = await h.page.evaluate(() => {
    const m = (window as unknown as { posted: Array<Record<string, unknown>> }).posted.find((x) => x.type === 'smartSelectEncoded')!;
    const tensors = (m.tensors as Array<{ name: string; dims: number[]; data: ArrayBuffer }> | undefined)?.map((t) => {
      const bytes = new Uint8Array(t.data);
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { ...t, data: btoa(s) };
    });
    return { ...m, ...(tensors ? { tensors } : {}) };
  });
  const tensors = (raw.tensors as Array<{ name: string; dims: number[]; data: string }> | undefined)?.map((t) => {
    const bytes = Buffer.from(t.data, 'base64');
    return { ...t, data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
  });
  return { ...raw, ...(tensors ? { tensors } : {}) };
}

function at(box: { x: number; y: number; width: number; height: number }, x: number, y: number): [number, number] {
  const scale = Math.min(box.width / W, box.height / H);
  return [box.x + (box.width - W * scale) / 2 + (x + 0.5) * scale, box.y + (box.height - H * scale) / 2 + (y + 0.5) * scale];
}

const noChromium = !existsSync(CHROMIUM_PATH) && `${CHROMIUM_PATH} not installed`;
const webgpuSkip = noChromium || (!process.env.SEGLAB_TEST_WEBGPU && 'set SEGLAB_TEST_WEBGPU=1 (slow on SwiftShader)');

describe('Smart Select encoder on WebGPU (SwiftShader) in the webview', { skip: webgpuSkip }, () => {
  let h: Harness;
  before(async () => {
    h = await openHarness(await buildBundle(), { bytes: png, type: 'image/png' }, undefined, files, { webgpu: true });
  });
  after(async () => h?.close());

  test('encodes the image on WebGPU, equal to the native encoder; the host accepts what it sends; clicks commit the known answer', async () => {
    const { page } = h;
    const started = performance.now();
    await startEncoding(h);
    const message = parseFromWebview(await encodedMessage(h, ENCODE_MS));
    const wallMs = performance.now() - started;
    assert.equal(message.type, MessageType.SmartSelectEncoded);
    if (!('tensors' in message)) assert.fail(`the webview could not encode: ${'error' in message ? message.error : '?'}`);
    assert.equal(message.requestId, 7);
    assert.equal(message.provider, 'webgpu');
    const source = 'the webview';
    const embeddings = embeddingsFromMessage(message, W, H, source);
    checkEncoderOutput(model.card, model.encoder!.io.outputs, embeddings, source);
    const ours = embeddings.tensors.image_embeddings;
    const theirs = native.tensors.image_embeddings;
    assert.deepEqual(ours.dims, theirs.dims);
    let worst = 0;
    for (let i = 0; i < theirs.data.length; i++) worst = Math.max(worst, Math.abs(ours.data[i] - theirs.data[i]));
    assert.ok(worst <= EMBEDDING_TOLERANCE, `largest difference from the native encoder ${worst}`);
    assert.ok(
      theirs.data.some((v, i) => i > 64 * 64 && v !== theirs.data[0]),
      'the image gives varied embeddings',
    );

    const status = page.locator('#status', { hasText: 'Smart Select with sam-test' });
    await status.waitFor({ timeout: ENCODE_MS });
    assert.match((await status.textContent()) ?? '', /embedding: webgpu, \d+ ms/);
    const box = (await page.locator('#mask-canvas').boundingBox())!;
    for (const [i, [x, y, label]] of POINTS.entries()) {
      await page.mouse.click(...at(box, x, y), { button: label === 1 ? 'left' : 'right' });
      await page.locator('#status', { hasText: `Smart Select: ${i + 1} prompt(s), candidate 1 of 3` }).waitFor();
    }
    await takePosted(page);
    await page.keyboard.press('Enter');
    const { mask } = await takeOneEdit(page, W, H);
    assert.equal(mismatches(mask, expectedMask(W, H, POINTS, RADII[1])), 0);
    console.log(
      `# WebGPU (SwiftShader) encoder of the known-answer pair on ${W}x${H}: ${Math.round(message.milliseconds)} ms in the webview (fetch, session, run), ` +
        `${Math.round(wallMs)} ms wall; largest difference from native ONNX Runtime ${worst.toExponential(2)}`,
    );
  });
});

describe('Smart Select encoder in a webview without WebGPU', { skip: noChromium }, () => {
  test('the webview answers the encode request with an error, so the host encodes', async () => {
    const h = await openHarness(await buildBundle(), { bytes: png, type: 'image/png' }, undefined, files);
    try {
      const gpu = await h.page.evaluate(async () => {
        const g = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return g ? (await g.requestAdapter()) !== null : false;
      });
      if (gpu) return void console.log('# this Chromium has a WebGPU adapter without the SwiftShader flags: nothing to check');
      await startEncoding(h);
      const message = parseFromWebview(await encodedMessage(h, 60_000));
      assert.ok('error' in message, 'an error answer');
      assert.equal(message.error, 'sam_test.encoder.onnx: WebGPU gives no adapter');
    } finally {
      await h.close();
    }
  });
});
