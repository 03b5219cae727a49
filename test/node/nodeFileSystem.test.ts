import assert from 'node:assert/strict';
import { readdirSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '../../src/core/errors';
import { folderEmbeddingStore } from '../../src/node/embeddingStore';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { tempDir } from '../core/dataset/fixtures';

const fs = new NodeFileSystem();

test('writeFileAtomic writes the bytes, replaces an existing file and leaves no temporary file', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'mask.png');
  await fs.writeFileAtomic(path, new Uint8Array([1, 2, 3]));
  await fs.writeFileAtomic(path, new Uint8Array([4, 5]));
  assert.deepEqual([...readFileSync(path)], [4, 5]);
  assert.deepEqual(readdirSync(dir), ['mask.png']);
});

test('writeFileAtomic into a missing folder fails with the path and leaves nothing behind', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'missing', 'mask.png');
  await assert.rejects(fs.writeFileAtomic(path, new Uint8Array([1])), (err: DataError) => err.path === path);
  assert.deepEqual(readdirSync(dir), []);
});

test('a rename that fails (target is a folder) removes the temporary file', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'taken'));
  writeFileSync(join(dir, 'taken', 'x'), 'x');
  await assert.rejects(fs.writeFileAtomic(join(dir, 'taken'), new Uint8Array([1])), DataError);
  assert.deepEqual(readdirSync(dir), ['taken']);
});

test('readHead returns at most the requested bytes, fewer for a short file', async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'a.bin'),
    new Uint8Array(100).map((_, i) => i),
  );
  assert.deepEqual([...(await fs.readHead(join(dir, 'a.bin'), 4))], [0, 1, 2, 3]);
  assert.equal((await fs.readHead(join(dir, 'a.bin'), 1000)).length, 100);
});

test('readFile of a missing file is a DataError whose message starts with the path', async (t) => {
  const path = join(tempDir(t), 'nope.png');
  await assert.rejects(fs.readFile(path), (err: DataError) => err instanceof DataError && err.message.startsWith(path));
  assert.equal(await fs.stat(path), undefined);
});

test('readDirectory reports files, folders and what symlinks point at', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'f.txt'), 'x');
  symlinkSync(join(dir, 'f.txt'), join(dir, 'link.txt'));
  symlinkSync(join(dir, 'sub'), join(dir, 'linkdir'));
  symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
  const entries = new Map(await fs.readDirectory(dir));
  assert.deepEqual(Object.fromEntries(entries), { sub: 'directory', 'f.txt': 'file', 'link.txt': 'file', linkdir: 'directory', dangling: 'other' });
});

test('createDirectory is recursive, stat reports size and type, delete removes folders', async (t) => {
  const dir = tempDir(t);
  await fs.createDirectory(join(dir, 'a', 'b'));
  await fs.writeFileAtomic(join(dir, 'a', 'b', 'x'), new Uint8Array(7));
  assert.deepEqual({ ...(await fs.stat(join(dir, 'a', 'b', 'x'))), mtime: 0 }, { type: 'file', size: 7, mtime: 0 });
  assert.equal((await fs.stat(join(dir, 'a')))?.type, 'directory');
  await fs.delete(join(dir, 'a'));
  assert.equal(await fs.stat(join(dir, 'a')), undefined);
});

test('nothing is created or written in /proc, /sys or /dev, also through a link; the error names the path', async (t) => {
  const dir = tempDir(t);
  symlinkSync('/proc/self', join(dir, 'proc'));
  const cases = [
    ['/proc/x/JPEGImages', /^\/proc\/x\/JPEGImages: is in \/proc, a system folder; SegLab writes nothing there$/],
    ['/sys/x', /is in \/sys, a system folder/],
    ['/dev/shm/seglab-x', /is in \/dev, a system folder/],
    [join(dir, 'proc', 'x'), /is in \/proc \(its real path is \/proc\/\d+\/x\), a system folder/],
  ] as const;
  for (const [path, message] of cases) {
    await assert.rejects(fs.createDirectory(path), (e: DataError) => e.path === path && message.test(e.message));
    await assert.rejects(fs.writeFileAtomic(join(path, 'a.png'), new Uint8Array([1])), /a system folder/);
  }
});

test('createDirectory under a dangling link fails once instead of retrying forever', { timeout: 10_000 }, async (t) => {
  const dir = tempDir(t);
  symlinkSync(join(dir, 'missing'), join(dir, 'dangling'));
  // Node's recursive mkdir spins here: mkdir(dangling/out) ENOENT, mkdir(dangling) EEXIST, again.
  await assert.rejects(fs.createDirectory(join(dir, 'dangling', 'out')), DataError);
  writeFileSync(join(dir, 'file'), 'x');
  await assert.rejects(fs.createDirectory(join(dir, 'file', 'sub')), (e: DataError) => /not a folder/.test(e.message));
  await fs.createDirectory(join(dir, 'a', 'b', 'c'));
  await fs.createDirectory(join(dir, 'a', 'b', 'c'));
  assert.deepEqual(readdirSync(join(dir, 'a', 'b')), ['c']);
});

test("realPath resolves links (undefined when nothing is there); linksIn lists a folder's links with their real paths", async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'target'), 'x');
  symlinkSync(join(dir, 'target'), join(dir, 'link'));
  symlinkSync(join(dir, 'missing'), join(dir, 'dangling'));
  const real = await fs.realPath(join(dir, 'target'));
  assert.equal(await fs.realPath(join(dir, 'link')), real);
  assert.equal(await fs.realPath(join(dir, 'dangling')), undefined);
  assert.deepEqual([...(await fs.linksIn(dir))].sort(), [
    ['dangling', undefined],
    ['link', real],
  ]);
});

test('the embedding cache (seglab click --cache) writes through the same rules: a cache in /proc fails at once', { timeout: 10_000 }, async () => {
  await assert.rejects(folderEmbeddingStore('/proc/seglab-cache').write('k', new Uint8Array([1])), /\/proc\/seglab-cache: is in \/proc, a system folder/);
});
