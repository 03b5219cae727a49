/**
 * Runs the seglab CLI as a real process. The CLI is bundled from source once per test process
 * (as `npm run build` does, into a temp folder), so tests need no prior build and each run
 * starts as fast as the shipped dist/cli.js.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { build } from 'esbuild';
import { bundlePrelabelWorker } from '../prelabel/workerBundle';

const ROOT = join(__dirname, '..', '..');

// Inside the repository, so the bundle finds ONNX Runtime in node_modules as dist/cli.js does.
mkdirSync(join(ROOT, '.test-artifacts'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.test-artifacts', 'cli-'));
// Registered at load time so it runs once, after every test of the file.
after(() => rmSync(dir, { recursive: true, force: true }));

let bundle: Promise<string> | undefined;

function cliBundle(): Promise<string> {
  bundle ??= (async () => {
    const outfile = join(dir, 'cli.js');
    const options = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' } as const;
    await build({ ...options, entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')], outfile });
    await bundlePrelabelWorker(dir); // next to cli.js, where `seglab prelabel --workers N` looks for it (as in dist/)
    return outfile;
  })();
  return bundle;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function seglab(...args: string[]): Promise<CliResult> {
  return seglabWithInput(undefined, ...args);
}

/** The CLI with `input` written to its stdin (then closed). */
export async function seglabWithInput(input: string | undefined, ...args: string[]): Promise<CliResult> {
  const cli = await cliBundle();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}
