/**
 * Page script for browserEngine.test.ts: runs the webview engine (webview/prelabel/engine.ts)
 * and the shared pipeline on a reference image and compares with PyTorch's logits in the page.
 */
import { parseModelCard } from '../../src/core/model/card';
import { predict } from '../../src/core/model/pipeline';
import { resolveModel } from '../../src/core/model/resolve';
import { applyDelta } from '../../src/core/editing/delta';
import { WebEngine, type WebProvider } from '../../webview/prelabel/engine';
import { prelabelEdit } from '../../src/core/model/imagePrediction';
import { runModel } from '../../webview/prelabel/prelabelImage';
import { COMPAT_CLASSES, compatImage, IGNORE } from '../model/compatModels';

const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

async function runReference(kind: string, kase: string, width: number, height: number, provider: WebProvider) {
  const engine = new WebEngine({ wasmBase: new URL('/ort/', location.href).href, providers: [provider] });
  const card = parseModelCard(await (await fetch(`/models/${kind}.json`)).text(), `${kind}.json`);
  const backend = await engine.backend(card.sha256!, await bytes(`/models/${kind}.onnx`));
  const model = resolveModel({
    modelPath: kind,
    card,
    io: backend.io,
    channels: card.classes.length,
    dataset: { classes: card.classes, ignoreIndex: 255, path: 'page' },
  });
  const image = { width, height, channels: 3 as const, data: await bytes(`/models/${kind}.${kase}.rgb`) };
  const start = performance.now();
  const p = await predict(image, model, backend, { keepLogits: true });
  const ms = performance.now() - start;
  const want = new Float32Array((await bytes(`/models/${kind}.${kase}.logits`)).buffer);
  const got = p.logits!;
  const channels = model.labels.length;
  const n = width * height;
  let maxDiff = 0;
  let argmaxDiffs = 0;
  for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
  for (let q = 0; q < n; q++) {
    let gb = 0;
    let wb = 0;
    for (let c = 1; c < channels; c++) {
      if (got[c * n + q] > got[gb * n + q]) gb = c;
      if (want[c * n + q] > want[wb * n + q]) wb = c;
    }
    if (gb !== wb && Math.abs(want[gb * n + q] - want[wb * n + q]) > 1e-4) argmaxDiffs++;
  }
  await engine.dispose();
  return { provider: backend.provider, maxDiff, argmaxDiffs, length: got.length === want.length, ms };
}

/**
 * "Pre-label Image" (the webview's run, the host's edit rule) on an RGBA copy of the reference image whose mask has a labeled left half
 * (class 1): the edit must leave that half alone and fill the rest with PyTorch's argmax.
 */
async function runPrelabelImage(kind: string, width: number, height: number) {
  const engine = new WebEngine({ wasmBase: new URL('/ort/', location.href).href, providers: ['wasm'] });
  const cardText = await (await fetch(`/models/${kind}.json`)).text();
  const card = parseModelCard(cardText, `${kind}.json`);
  const rgb = await bytes(`/models/${kind}.even.rgb`);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 255], i * 4);
  const mask = { width, height, data: new Uint8Array(width * height) };
  for (let y = 0; y < height; y++) mask.data.fill(1, y * width, y * width + width / 2);
  const before = mask.data.slice();
  const r = await runModel({
    engine,
    model: { path: `${kind}.onnx`, sha256: card.sha256!, bytes: await bytes(`/models/${kind}.onnx`), card },
    image: { width, height, channels: 4, data: rgba },
    classes: card.classes,
    ignoreIndex: 255,
  });
  const edit = prelabelEdit(mask, r, { classes: card.classes, ignoreIndex: 255, replace: false, minConfidence: 0 })!;
  applyDelta(mask, edit.delta, 'redo');
  const want = new Float32Array((await bytes(`/models/${kind}.even.logits`)).buffer);
  const n = width * height;
  let leftChanged = 0;
  let rightWrong = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (x < width / 2) leftChanged += Number(mask.data[p] !== before[p]);
      else {
        let best = 0;
        for (let c = 1; c < card.classes.length; c++) if (want[c * n + p] > want[best * n + p]) best = c;
        rightWrong += Number(mask.data[p] !== best);
      }
    }
  }
  applyDelta(mask, edit.delta, 'undo');
  const undone = mask.data.every((v, i) => v === before[i]);
  await engine.dispose();
  return { provider: r.provider, leftChanged, rightWrong, undone, confidenceLength: r.confidence.length };
}

/** A compatibility-suite model (compat/<name>) through the webview's "Pre-label Image" run on the compat image: its labels. */
async function runCompat(name: string, width: number, height: number) {
  const engine = new WebEngine({ wasmBase: new URL('/ort/', location.href).href, providers: ['wasm'] });
  const card = parseModelCard(await (await fetch(`/models/compat/${name}.json`)).text(), `${name}.json`);
  const model = { path: `${name}.onnx`, sha256: card.sha256!, bytes: await bytes(`/models/compat/${name}.onnx`), card };
  const r = await runModel({ engine, model, image: compatImage(width, height), classes: COMPAT_CLASSES, ignoreIndex: IGNORE });
  await engine.dispose();
  return { provider: r.provider, labels: Array.from(r.labels) };
}

Object.assign(window, { runReference, runPrelabelImage, runCompat });
