// `npm run package [-- --out <dir>] [targets…]`: one .vsix per platform that onnxruntime-node
// ships native binaries for (out/vsix/seglab-<target>.vsix), each holding only its own platform's
// native ONNX Runtime; all of them unless targets are named. No universal package: the extension
// host runs models only with native ONNX Runtime (src/node/onnxBackends.ts), so a package without
// it could not pre-label.
import { createVSIX } from '@vscode/vsce';
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { copyOnnxRuntimeNode, onnxRuntimeTargets } from './onnxRuntimeNode.mjs';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const outDir = resolve(outAt >= 0 ? args[outAt + 1] : join('out', 'vsix'));
const named = args.filter((a, i) => a !== '--out' && i !== outAt + 1);
const all = onnxRuntimeTargets();
const unknown = named.filter((t) => !all.includes(t));
if (unknown.length > 0) {
  console.error(`package: no onnxruntime-node binaries for ${unknown.join(', ')} (targets: ${all.join(', ')})`);
  process.exit(2);
}

const build = spawnSync(process.execPath, ['scripts/build.mjs', '--production'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
mkdirSync(outDir, { recursive: true });
for (const target of named.length > 0 ? named : all) {
  const started = performance.now();
  copyOnnxRuntimeNode(target);
  const packagePath = join(outDir, `seglab-${target}.vsix`);
  await createVSIX({ target, packagePath, dependencies: false, rewriteRelativeLinks: false, allowMissingRepository: true, skipLicense: true });
  const mb = (statSync(packagePath).size / 1e6).toFixed(1);
  console.log(`package: ${packagePath} ${mb} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
// dist/ keeps this machine's native files, as `npm run build` leaves it.
const host = `${process.platform}-${process.arch}`;
if (all.includes(host)) copyOnnxRuntimeNode(host);
