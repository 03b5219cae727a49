// Start Local Training Backend trusts only the process it started: a squatted port is refused
// before the token goes anywhere, and a child that does not check the token is not taken for the
// backend. The children here are small Node programs standing in for `python -m seglab_trainer`.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBackendProcess } from '../../src/training/backendProcess';
import { freePort } from './fixtures';

/**
 * An executable called like Python (`-m seglab_trainer serve --host H --port P ...`) that serves
 * HTTP on P: `/v1/health` answers 200; other paths answer 200 `{"jobs": []}`, only with the
 * SEGLAB_TOKEN bearer when `checksToken`, else 401. Touches `ran` when it starts.
 */
function fakeService(dir: string, checksToken: boolean): { python: string; ran: string } {
  const ran = join(dir, 'ran');
  const python = join(dir, checksToken ? 'fake-backend' : 'fake-open-backend');
  const program = `
    require('node:fs').writeFileSync(${JSON.stringify(ran)}, '');
    const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
    require('node:http').createServer((req, res) => {
      const authorised = !${checksToken} || req.headers.authorization === 'Bearer ' + process.env.SEGLAB_TOKEN;
      res.writeHead(req.url === '/v1/health' || authorised ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(req.url === '/v1/health' ? '{"version":"0"}' : '{"jobs":[]}');
    }).listen(port, '127.0.0.1');`;
  writeFileSync(python, `#!${process.execPath}\n${program}\n`);
  chmodSync(python, 0o755);
  return { python, ran };
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'seglab-backend-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a port that already answers (a squatter saying 200 to everything) is refused and nothing is started', async (t) => {
  const dir = tempDir(t);
  const requests: string[] = [];
  const squatter = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"version":"0","torch":"x","devices":[],"jobs":[]}');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
  t.after(() => squatter.close());
  const { python, ran } = fakeService(dir, true);
  await assert.rejects(
    startBackendProcess({ python, backendDir: dir, dataDir: dir, port, token: 'fresh-token', timeoutMs: 10_000 }),
    new RegExp(`port ${port} on 127.0.0.1 is already taken by another program .*its token not sent there.*seglab\\.training\\.backendUrl`),
  );
  assert.equal(existsSync(ran), false, 'the backend was started anyway');
  assert.ok(
    requests.every((r) => !r.includes('fresh-token')),
    requests.join('\n'),
  );
});

test('a child that answers without checking the token is not taken for the backend, and is stopped', async (t) => {
  const dir = tempDir(t);
  const { python, ran } = fakeService(dir, false);
  await assert.rejects(
    startBackendProcess({ python, backendDir: dir, dataDir: dir, port: await freePort(), token: 'fresh-token', timeoutMs: 10_000 }),
    /is not the backend SegLab started: it answered 200 to a request without the token, where the backend answers 401/,
  );
  assert.equal(existsSync(ran), true);
});

test('the child it started, holding the fresh token, is the backend', async (t) => {
  const dir = tempDir(t);
  const { python } = fakeService(dir, true);
  const port = await freePort();
  const backend = await startBackendProcess({ python, backendDir: dir, dataDir: dir, port, token: 'fresh-token', timeoutMs: 10_000 });
  assert.equal(backend.url, `http://127.0.0.1:${port}`);
  await backend.stop();
  assert.match(await backend.exited, /the backend exited \(SIGTERM\)/);
});
