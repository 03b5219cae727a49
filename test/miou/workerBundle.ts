/** Bundles src/miou/worker.ts as scripts/build.mjs does (dist/miouWorker.js), once per test process. */
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let bundle: Promise<string> | undefined;

export function workerBundle(): Promise<string> {
  bundle ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seglab-miou-worker-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, 'miouWorker.js');
    await build({
      entryPoints: [join(__dirname, '..', '..', 'src', 'miou', 'worker.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
    });
    return outfile;
  })();
  return bundle;
}
