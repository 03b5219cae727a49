/**
 * Runs every bench/*.bench.ts in its own Node process, one after the other (so one benchmark's
 * heap and JIT state cannot skew the next). Each prints one JSON object per measurement on
 * stdout. `npm run bench -- core` runs only the files whose name contains "core".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(process.cwd(), 'bench');
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((s) => f.includes(s))))
  .sort();
if (files.length === 0) console.error(`no bench/*.bench.ts file matches ${filters.join(', ')}`);

let failed = 0;
for (const file of files) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`bench/${file} failed (${result.signal ?? `exit ${result.status}`})`);
  }
}
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
