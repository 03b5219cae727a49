/** Bundles src/miou/worker.ts as scripts/build.mjs does (dist/miouWorker.js), once per test process. */
import { bundleForNode } from '../prelabel/workerBundle';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let bundle: Promise<string> | undefined;

export function workerBundle(): Promise<string> {
  bundle ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seglab-miou-worker-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, 'miouWorker.js');
    await bundleForNode('src/miou/worker.ts', outfile);
    return outfile;
  })();
  return bundle;
}
