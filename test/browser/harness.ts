/**
 * Runs the built mask-editor webview in headless Chromium outside VS Code: a local http server
 * serves the bundle and a page whose nonce'd script stands in for `acquireVsCodeApi` (it records
 * what the webview posts); the page has the production CSP, and CSP violations are recorded.
 * Used by the browser tests and bench/editor.bench.ts.
 */
import * as esbuild from 'esbuild';
import { encode } from 'fast-png';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { defaultClasses } from '../../src/core/classes';
import { applyDelta, deserializeDelta, type MaskDelta } from '../../src/core/editing/delta';
import type { RgbImage } from '../../src/core/model/image';
import { ORT_WEB_FILES } from '../../webview/prelabel/engine';
import { ENGLISH_STRINGS } from './englishStrings';

import { CHROMIUM_ARGS, CHROMIUM_PATH, WEBGPU_ARGS } from '../../scripts/tools/launch';

export { CHROMIUM_ARGS, CHROMIUM_PATH };

/** Bundles webview/maskEditor/main.ts the way scripts/build.mjs does, in memory. */
export async function buildBundle(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: ['webview/maskEditor/main.ts'],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    loader: { '.css': 'text' },
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

const NONCE = 'testnonce0123456789';

const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' blob: data:; style-src 'self'; font-src 'self'; connect-src 'self'; script-src 'nonce-${NONCE}' 'wasm-unsafe-eval'">
<link id="vscode-codicon-stylesheet" rel="stylesheet" href="/codicon.css">
<title>Mask Editor test</title>
<script nonce="${NONCE}">
  window.posted = [];
  window.postedAt = [];
  window.violations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.acquireVsCodeApi = () => ({ postMessage: (m) => { window.posted.push(m); window.postedAt.push(performance.now()); }, getState: () => undefined, setState: () => undefined });
</script>
</head><body><script type="module" nonce="${NONCE}" src="/maskEditor.js"></script></body></html>`;

export interface Harness {
  browser: Browser;
  page: Page;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Serves the bundle, `image` (at /image) and `extra` files, and opens the page in a fresh Chromium (`webgpu`: with WebGPU on SwiftShader). */
export async function openHarness(
  bundle: string,
  image: { bytes: Uint8Array; type: string },
  viewport = { width: 1000, height: 700 },
  extra: Record<string, Uint8Array> = {},
  options: { webgpu?: boolean } = {},
): Promise<Harness> {
  const codicons = join('node_modules', '@vscode', 'codicons', 'dist');
  const files: Record<string, [string, string | Uint8Array]> = {
    '/': ['text/html', PAGE],
    '/maskEditor.js': ['text/javascript', bundle],
    '/image': [image.type, image.bytes],
    '/codicon.css': ['text/css', readFileSync(join(codicons, 'codicon.css'))],
    '/codicon.ttf': ['font/ttf', readFileSync(join(codicons, 'codicon.ttf'))],
    ...Object.fromEntries(
      Object.entries(extra).map(([path, bytes]) => [path, [path.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream', bytes]]),
    ),
  };
  const server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
  let browser: Browser | undefined;
  try {
    // A browser that cannot start fails here within seconds, and the server must not keep the process alive.
    const args = [...CHROMIUM_ARGS, ...(options.webgpu ? WEBGPU_ARGS : [])];
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args, headless: true, timeout: 30_000 });
    const page = await browser.newPage({ viewport });
    await page.goto(`${url}/`);
    await page.waitForFunction(() => (window as unknown as { posted: Array<{ type: string }> }).posted.some((m) => m.type === 'ready'));
    const opened = browser;
    return {
      browser: opened,
      page,
      server,
      url,
      close: async () => {
        await opened.close();
        await closeServer();
      },
    };
  } catch (error) {
    await browser?.close();
    await closeServer();
    throw error;
  }
}

/** Sends the init message (mask bytes become an ArrayBuffer in the page) and waits for the editor. */
export async function init(page: Page, message: { width: number; height: number; mask: Uint8Array; classes: unknown; ignoreIndex: number }): Promise<void> {
  // Base64, not an array of numbers: a 4096x4096 mask as a JSON array took minutes to cross into the page.
  await page.evaluate(
    ({ mask, ...rest }) => {
      const data = Uint8Array.from(atob(mask), (c) => c.charCodeAt(0));
      window.postMessage({ type: 'init', version: 1, imageUri: '/image', imageName: 'image', mask: data.buffer, ...rest }, '*');
    },
    { ...message, mask: Buffer.from(message.mask.buffer, message.mask.byteOffset, message.mask.byteLength).toString('base64'), strings: ENGLISH_STRINGS },
  );
  await page.waitForSelector('#app[aria-busy="false"]');
}

/** The messages the webview posted since the last call, with ArrayBuffers as byte arrays. */
export async function takePosted(page: Page): Promise<Array<{ type: string; label?: string; messageId?: number; delta?: Uint8Array }>> {
  const raw = await page.evaluate(() => {
    const w = window as unknown as { posted: Array<Record<string, unknown>> };
    const out = w.posted.map((m) => ({ ...m, delta: m.delta instanceof ArrayBuffer ? Array.from(new Uint8Array(m.delta)) : undefined }));
    w.posted = [];
    (window as unknown as { postedAt: number[] }).postedAt = [];
    return out;
  });
  return raw.map((m) => ({ ...(m as unknown as { type: string; label?: string; messageId?: number }), delta: m.delta ? new Uint8Array(m.delta) : undefined }));
}

/**
 * Waits for the edit the webview posts (asserting it is the only one since the last takePosted) and
 * returns its label, its delta, and the mask it makes of an all-zero width x height mask.
 */
export async function takeOneEdit(page: Page, width: number, height: number): Promise<{ label?: string; delta: MaskDelta; mask: Uint8Array }> {
  await page.waitForFunction(() => (window as unknown as { posted: Array<{ type: string }> }).posted.some((m) => m.type === 'edit'));
  const edits = (await takePosted(page)).filter((m) => m.type === 'edit');
  assert.equal(edits.length, 1, 'one edit');
  const delta = deserializeDelta(edits[0].delta!.buffer as ArrayBuffer, width, height);
  const mask = { width, height, data: new Uint8Array(width * height) };
  applyDelta(mask, delta, 'redo');
  return { label: edits[0].label, delta, mask: mask.data };
}

/** Posts a host message carrying a delta to the webview. */
export async function sendDelta(page: Page, delta: ArrayBuffer, direction: 'undo' | 'redo'): Promise<void> {
  await page.evaluate(({ bytes, direction }) => window.postMessage({ type: 'applyDelta', delta: new Uint8Array(bytes).buffer, direction }, '*'), {
    bytes: Array.from(new Uint8Array(delta)),
    direction,
  });
}

/** onnxruntime-web's WASM files at the paths the webview loads them from (/ort/...), for openHarness's `extra`. */
export function ortWasmFiles(): Record<string, Uint8Array> {
  const ortDist = join(__dirname, '../../node_modules/onnxruntime-web/dist');
  return Object.fromEntries(ORT_WEB_FILES.filter((f) => f.endsWith('.wasm')).map((f) => [`/ort/${f}`, readFileSync(join(ortDist, f))]));
}

/** The centre of image pixel (x, y) of a width x height image fitted into the canvas's `box`: the editor floors it back to (x, y). */
export function pagePoint(box: { x: number; y: number; width: number; height: number }, width: number, height: number, x: number, y: number): [number, number] {
  const scale = Math.min(box.width / width, box.height / height);
  return [box.x + (box.width - width * scale) / 2 + (x + 0.5) * scale, box.y + (box.height - height * scale) / 2 + (y + 0.5) * scale];
}

/**
 * Opens the editor on `image` (served as a PNG) and an all-zero mask with 3 classes, serving what
 * Smart Select with a SAM pair fetches (startSamSelect): onnxruntime-web's WASM files, the decoder
 * at /decoder and the image's 1x256x64x64 image_embeddings at /embedding; its posts so far are taken.
 */
export async function openSamHarness(image: RgbImage, decoder: Uint8Array, embedding: Float32Array): Promise<Harness> {
  const { width, height } = image;
  const png = encode({ width, height, data: image.data, channels: 3, depth: 8 });
  const h = await openHarness(await buildBundle(), { bytes: png, type: 'image/png' }, undefined, {
    ...ortWasmFiles(),
    '/decoder': decoder,
    '/embedding': new Uint8Array(embedding.buffer, embedding.byteOffset, embedding.byteLength),
  });
  await init(h.page, { width, height, mask: new Uint8Array(width * height), classes: defaultClasses(3), ignoreIndex: 255 });
  await takePosted(h.page);
  return h;
}

/** Chooses Smart Select (S on the focused canvas) and waits for its request to the host. */
export async function chooseSmartSelect(page: Page): Promise<void> {
  await page.locator('#mask-canvas').focus();
  await page.keyboard.press('s');
  await page.waitForFunction(() => (window as unknown as { posted: Array<{ type: string }> }).posted.some((m) => m.type === 'smartSelectStart'));
}

/**
 * Chooses Smart Select and plays the host's two answers for a SAM pair, with the buffers the
 * extension host would transfer: SmartSelectModel with the decoder served at /decoder, then
 * SmartSelectEmbeddings with the 1x256x64x64 image_embeddings served at /embedding.
 */
export async function startSamSelect(page: Page, host: { card: unknown; cardPath: string; decoder: Uint8Array; width: number; height: number }): Promise<void> {
  await chooseSmartSelect(page);
  const sha = createHash('sha256').update(host.decoder).digest('hex');
  await page.evaluate(
    async ({ card, cardPath, sha, width, height, dims }) => {
      const decoder = await (await fetch('/decoder')).arrayBuffer();
      window.postMessage({ type: 'smartSelectModel', card, cardPath, decoderSha256: sha, decoder, embeddings: true }, '*');
      const data = await (await fetch('/embedding')).arrayBuffer();
      const tensors = [{ name: 'image_embeddings', dims, data }];
      window.postMessage({ type: 'smartSelectEmbeddings', decoderSha256: sha, width, height, tensors, source: 'encoder', milliseconds: 1 }, '*');
    },
    { card: host.card, cardPath: host.cardPath, sha, width: host.width, height: host.height, dims: [1, 256, 64, 64] },
  );
}
