/**
 * Bundles the pre-labeling worker as scripts/build.mjs does (dist/prelabelWorker.js) into `dir`,
 * with the JPEG decoder's .wasm next to it. `dir` must be inside the repository, so the bundle
 * finds onnxruntime-node in node_modules as dist/ does.
 */
import { copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(__dirname, '..', '..');

/** Bundles `entry` (a path in the repository) into `outfile` for Node, as scripts/build.mjs bundles the workers. */
export async function bundleForNode(entry: string, outfile: string): Promise<void> {
  await build({ entryPoints: [join(ROOT, entry)], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });
}

/** The pre-labeling worker, or another entry that wraps it (`entry`, a path in the repository). */
export async function bundlePrelabelWorker(dir: string, entry = 'src/node/prelabelWorker.ts'): Promise<string> {
  const outfile = join(dir, basename(entry).replace(/\.ts$/, '.js'));
  await bundleForNode(entry, outfile);
  const wasm = 'libjpegturbowasm_decode.wasm';
  copyFileSync(join(ROOT, 'node_modules', '@cornerstonejs', 'codec-libjpeg-turbo-8bit', 'dist', wasm), join(dir, wasm));
  return outfile;
}
