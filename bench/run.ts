/**
 * Runs every bench/*.bench.ts in its own Node process, one after the other (so one benchmark's
 * heap and JIT state cannot skew the next). Each prints one JSON object per measurement on
 * stdout. `npm run bench -- core` runs only the files whose name contains "core". Chromium and
 * the Python reference packages are installed first when missing (scripts/setup-system.sh bench);
 * the run stops after SEGLAB_BENCH_TIMEOUT seconds (default 60 minutes).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { limitFromEnv, runWithDeadline } from '../scripts/tools/deadline';
import { SetupFailed, ensureSystemPackages } from '../scripts/tools/system';

async function main(): Promise<number> {
  const dir = join(process.cwd(), 'bench');
  const filters = process.argv.slice(2);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((s) => f.includes(s))))
    .sort();
  if (files.length === 0) {
    console.error(`bench: no bench/*.bench.ts file matches ${filters.join(', ')}`);
    return 1;
  }
  ensureSystemPackages('bench');
  const deadline = performance.now() + limitFromEnv('SEGLAB_BENCH_TIMEOUT', 60 * 60) * 1000;
  let failed = 0;
  for (const file of files) {
    const left = Math.round((deadline - performance.now()) / 1000);
    const { code, timedOut } =
      left > 0 ? await runWithDeadline(process.execPath, ['--import', 'tsx', join(dir, file)], {}, left, `bench/${file}`) : { code: 1, timedOut: true };
    if (code !== 0) {
      failed++;
      console.error(`bench/${file} ${timedOut ? 'ran out of time' : `failed (exit ${code})`}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (!(error instanceof SetupFailed)) console.error(`bench: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  },
);
