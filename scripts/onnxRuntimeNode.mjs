// The copy of onnxruntime-node that the packaged extension loads (it has no node_modules; see
// src/node/onnxBackends.ts): its JS, onnxruntime-common, and the CPU build's native files of one
// target. onnxruntime-node ships these for the targets it lists under bin/napi-v6/<os>/<arch>.
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ORT = 'node_modules/onnxruntime-node';
const BIN = `${ORT}/bin/napi-v6`;
export const ORT_DIST = 'dist/onnxruntime-node';

/** VS Code's target names (`linux-x64`, `win32-arm64`, …) that onnxruntime-node has binaries for. */
export function onnxRuntimeTargets() {
  return readdirSync(BIN)
    .flatMap((os) => readdirSync(join(BIN, os)).map((arch) => `${os}-${arch}`))
    .sort();
}

/** The native files onnxruntime-node ships for `target`, relative to its bin folder's target folder. */
export function nativeFiles(target) {
  return readdirSync(nativeDir(target)).sort();
}

const nativeDir = (target) => join(BIN, ...target.split('-'));

/** Replaces dist/onnxruntime-node with the JS and `target`'s native files. */
export function copyOnnxRuntimeNode(target) {
  if (!existsSync(nativeDir(target))) throw new Error(`onnxruntime-node has no binaries for ${target} (it has ${onnxRuntimeTargets().join(', ')})`);
  const copy = (from, to) => cpSync(join('node_modules', from), join(ORT_DIST, to), { recursive: true, filter: (src) => !/\.(map|d\.ts)$/.test(src) });
  rmSync(ORT_DIST, { recursive: true, force: true });
  for (const p of ['package.json', 'dist']) copy(join('onnxruntime-node', p), p);
  const bin = join('bin/napi-v6', ...target.split('-'));
  copy(join('onnxruntime-node', bin), bin);
  for (const p of ['package.json', 'dist/cjs']) copy(join('onnxruntime-common', p), join('node_modules/onnxruntime-common', p));
}
