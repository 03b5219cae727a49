/**
 * The webview engine in headless Chromium (Debian's chromium through playwright-core): the
 * shared pipeline on onnxruntime-web's WebGPU build matches PyTorch's logits within 1e-3 with
 * identical argmax, on the WASM provider for every model kind and on WebGPU (SwiftShader, slow:
 * correctness only, 40-60 s a model on this 2-core machine, so only with SEGLAB_TEST_WEBGPU=1)
 * for the U-Net and the SegFormer; and the compatibility suite's known-answer models (sigmoid,
 * label maps, NHWC, uint8, float16, stretch, class maps, multi-label) through the webview's run. The page has
 * a webview-like CSP.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { CHROMIUM_ARGS, CHROMIUM_PATH, WEBGPU_ARGS } from '../../scripts/tools/launch';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ORT_WEB_FILES } from '../../webview/prelabel/engine';
import { COMPAT_MODELS, COMPAT_SIZES, compatImage, wrongPixels } from '../model/compatModels';
import { MODEL_KINDS, readReferences, testModelsDir, type References } from '../model/testModels';

const CHROMIUM = CHROMIUM_PATH;
const ARGS = [...CHROMIUM_ARGS, ...WEBGPU_ARGS];
const CSP = "default-src 'none'; connect-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
const PAGE = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="${CSP}"></head><body><script type="module" src="/entry.js"></script></body></html>`;
const WEBGPU_KINDS = ['unet', 'segformer'];

describe('webview engine in Chromium', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let refs: References;
  /** ONNX Runtime files the page asked for: the build ships ORT_WEB_FILES, so they must be these. */
  const requested = new Set<string>();
  before(async () => {
    const dir = await testModelsDir();
    refs = readReferences(dir);
    const bundle = await esbuild.build({
      entryPoints: [join(__dirname, 'browserEntry.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
    });
    const ortDist = join(__dirname, '../../node_modules/onnxruntime-web/dist');
    server = createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      let body: string | Uint8Array | undefined;
      let type = 'application/octet-stream';
      if (url === '/') [body, type] = [PAGE, 'text/html'];
      else if (url === '/entry.js') [body, type] = [bundle.outputFiles[0].text, 'text/javascript'];
      else if (url.startsWith('/ort/')) {
        requested.add(url.slice(5));
        if (ORT_WEB_FILES.includes(url.slice(5))) body = readFileSync(join(ortDist, url.slice(5)));
        type = url.endsWith('.mjs') ? 'text/javascript' : 'application/wasm';
      } else if (url.startsWith('/models/') && !url.includes('..') && existsSync(join(dir, url.slice(8)))) body = readFileSync(join(dir, url.slice(8)));
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': type }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page
      .waitForFunction(() => 'runReference' in window, undefined, { timeout: 30_000 })
      .catch(() => assert.fail(errors.join('\n') || 'entry did not load'));
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  const check = async (kind: string, provider: 'wasm' | 'webgpu') => {
    const cases = Object.entries(refs[kind]?.cases ?? {});
    assert.ok(cases.length > 0, `no PyTorch reference cases for ${kind}`);
    for (const [kase, { width, height }] of cases) {
      const r = await page.evaluate(
        ([k, c, w, h, p]) =>
          (
            window as unknown as { runReference(...a: unknown[]): Promise<{ provider: string; maxDiff: number; argmaxDiffs: number; length: boolean }> }
          ).runReference(k, c, w, h, p),
        [kind, kase, width, height, provider] as const,
      );
      assert.equal(r.provider, provider);
      assert.ok(r.length, 'logits length');
      assert.ok(r.maxDiff < 1e-3, `${kind}/${kase} on ${provider}: max |logit difference| ${r.maxDiff}`);
      assert.equal(r.argmaxDiffs, 0, `${kind}/${kase} on ${provider}: argmax differs at ${r.argmaxDiffs} pixels`);
    }
  };
  for (const kind of MODEL_KINDS) test(`${kind} on WASM matches PyTorch`, () => check(kind, 'wasm'));
  test("Pre-label Image: one undoable edit that fills only unlabeled pixels with the model's argmax", async () => {
    const { width, height } = refs.unet.cases.even;
    const r = await page.evaluate(
      ([w, h]) => (window as unknown as { runPrelabelImage(k: string, w: number, h: number): Promise<Record<string, unknown>> }).runPrelabelImage('unet', w, h),
      [width, height] as const,
    );
    assert.deepEqual(r, { provider: 'wasm', leftChanged: 0, rightWrong: 0, undone: true, confidenceLength: width * height });
  });
  for (const name of COMPAT_MODELS) {
    test(`compatibility suite: ${name} on WASM gives the known answer on odd-sized images`, async () => {
      for (const [width, height] of COMPAT_SIZES) {
        const r = await page.evaluate(
          ([n, w, h]) =>
            (window as unknown as { runCompat(n: string, w: number, h: number): Promise<{ provider: string; labels: number[] }> }).runCompat(n, w, h),
          [name, width, height] as const,
        );
        assert.equal(r.provider, 'wasm');
        const { wrong, first } = wrongPixels(name, compatImage(width, height), r.labels);
        assert.equal(wrong, 0, `${name} ${width}x${height}: ${first.join('; ')}`);
      }
    });
  }
  test('loads only the ONNX Runtime files the build ships (ORT_WEB_FILES)', () => {
    assert.deepEqual([...requested].sort(), [...ORT_WEB_FILES].sort());
  });
  for (const kind of WEBGPU_KINDS) {
    test(`${kind} on WebGPU (SwiftShader) matches PyTorch`, { skip: !process.env.SEGLAB_TEST_WEBGPU && 'set SEGLAB_TEST_WEBGPU=1 (slow on SwiftShader)' }, () =>
      check(kind, 'webgpu'),
    );
  }
});
