// Bundles the extension host, the CLI and one ESM bundle per webview entry (webview/<name>/main.ts).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ORT_DIST, copyOnnxRuntimeNode, onnxRuntimeTargets } from './onnxRuntimeNode.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info' };

const webviewEntries = existsSync('webview')
  ? readdirSync('webview', { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join('webview', d.name, 'main.ts')))
      .map((d) => ({ in: join('webview', d.name, 'main.ts'), out: d.name }))
  : [];

const configs = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
  { ...common, entryPoints: ['src/miou/worker.ts'], outfile: 'dist/miouWorker.js', platform: 'node', format: 'cjs', target: 'node20' },
  { ...common, entryPoints: ['src/node/prelabelWorker.ts'], outfile: 'dist/prelabelWorker.js', platform: 'node', format: 'cjs', target: 'node20' },
];
if (webviewEntries.length > 0) {
  configs.push({
    ...common,
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    loader: { '.css': 'text' },
  });
}

// onnxruntime-node cannot be bundled (native binary; src/node/onnxBackends.ts imports it by a
// variable name): dist/ gets a copy with this machine's native files (`npm run package` swaps in
// each target's). On a machine it has no binaries for, the copy is left out.
const hostTarget = `${process.platform}-${process.arch}`;
if (onnxRuntimeTargets().includes(hostTarget)) copyOnnxRuntimeNode(hostTarget);
else rmSync(ORT_DIST, { recursive: true, force: true });

// The mask editor's inference engine loads only these ONNX Runtime Web files (webview/prelabel/engine.ts).
rmSync('dist/ort', { recursive: true, force: true });
for (const f of JSON.parse(readFileSync('webview/prelabel/ortWebFiles.json', 'utf8')))
  cpSync(join('node_modules/onnxruntime-web/dist', f), join('dist/ort', f));

// The JPEG decoder's WASM (src/core/model/image.ts): its Emscripten loader reads it beside the
// bundle that runs it (dist/extension.js, dist/cli.js).
cpSync('node_modules/@cornerstonejs/codec-libjpeg-turbo-8bit/dist/libjpegturbowasm_decode.wasm', 'dist/libjpegturbowasm_decode.wasm');

// The webviews load the codicon font through their own resource URIs.
for (const f of ['codicon.css', 'codicon.ttf']) cpSync(join('node_modules/@vscode/codicons/dist', f), join('dist/codicons', f));

if (watch) {
  for (const c of configs) await (await esbuild.context(c)).watch();
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
