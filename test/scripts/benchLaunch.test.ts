// A benchmark whose browser cannot start ends the run with a non-zero exit, fast (it once hung
// for 15 minutes: the page server kept the process alive after Chromium failed to launch).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

function bench(chromium: string): Promise<{ code: number | null; seconds: number; stderr: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'editor'], {
      env: { ...process.env, SEGLAB_CHROMIUM: chromium, EDITOR_BENCH_SIZE: '256' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, seconds: (performance.now() - started) / 1000, stderr });
    });
  });
}

for (const [what, chromium] of [
  ['no such executable', '/nonexistent/chromium'],
  ['an executable that exits at once', '/bin/false'],
]) {
  test(`npm run bench -- editor with ${what} as the browser exits non-zero within 30 s`, async () => {
    const r = await bench(chromium);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.seconds < 30, `took ${r.seconds.toFixed(1)} s`);
    assert.match(r.stderr, /bench\/editor\.bench\.ts failed \(exit 1\)/);
  });
}
