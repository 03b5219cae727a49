/**
 * onnxruntime-web and onnxruntime-node both register an ONNX Runtime backend named "cpu" in the one
 * onnxruntime-common, which keeps the first registration: with onnxruntime-web loaded first, a
 * "native" session ran on the WASM build, silently (4x slower). requireWebRuntime loads the native
 * package first. This file's process loads onnxruntime-web before anything else does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireRuntime, requireWebRuntime } from '../../src/node/onnxBackends';

type OrtNode = typeof import('onnxruntime-node');
/** The class of the session's backend handler: the only outside sign of which build runs it. */
const handlerOf = (session: object) => (session as { handler?: object }).handler?.constructor.name;

test('a native session created after onnxruntime-web was loaded runs on onnxruntime-node', async () => {
  const web = requireWebRuntime();
  web.env.wasm.numThreads = 1;
  const bytes = readFileSync(join(__dirname, '..', '..', 'scripts', 'demo', 'models', 'demo-clicks.onnx'));
  const wasm = await web.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const ort = requireRuntime<OrtNode>('onnxruntime-node');
  const native = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  try {
    assert.equal(handlerOf(native), 'OnnxruntimeSessionHandler');
    assert.notEqual(handlerOf(wasm), 'OnnxruntimeSessionHandler');
  } finally {
    await native.release();
    await wasm.release();
  }
});
