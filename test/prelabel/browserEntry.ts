/**
 * Page script for browserEngine.test.ts: runs the webview engine (webview/prelabel/engine.ts)
 * and the shared pipeline on a reference image and compares with PyTorch's logits in the page.
 */
import { parseModelCard } from '../../src/core/model/card';
import { predict } from '../../src/core/model/pipeline';
import { resolveModel } from '../../src/core/model/resolve';
import { WebEngine, type WebProvider } from '../../webview/prelabel/engine';

const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

async function runReference(kind: string, kase: string, width: number, height: number, provider: WebProvider) {
  const engine = new WebEngine({ wasmBase: new URL('/ort/', location.href).href, providers: [provider] });
  const card = parseModelCard(await (await fetch(`/models/${kind}.json`)).text(), `${kind}.json`);
  const backend = await engine.backend(card.sha256!, await bytes(`/models/${kind}.onnx`));
  const model = resolveModel({ modelPath: kind, card, io: backend.io, channels: card.classes.length, dataset: { classes: card.classes, ignoreIndex: 255, path: 'page' } });
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

(window as unknown as { runReference: typeof runReference }).runReference = runReference;
