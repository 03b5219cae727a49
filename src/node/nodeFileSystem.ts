/** The core FileSystem over Node's fs, for the CLI, tests and benchmarks. */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError } from '../core/errors';
import type { EntryType, FileSystem } from '../core/fileSystem';
import { systemFolderOf } from '../core/paths';

function entryType(s: { isFile(): boolean; isDirectory(): boolean }): EntryType {
  return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
}

/** Node's errors repeat the path in varying forms; rethrow as DataError so messages start with it. */
function wrap(path: string, err: unknown): DataError {
  if (err instanceof DataError) return err;
  const e = err as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EACCES: 'permission denied',
    EISDIR: 'is a folder, not a file',
    ENOTDIR: 'not a folder',
  };
  return new DataError(path, (e.code && reasons[e.code]) ?? e.message ?? String(err));
}

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** The real path that `path` has or would have: its nearest existing folder's, plus the rest. */
async function realDestination(path: string): Promise<string> {
  const rest: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    const real = await fsp.realpath(p).catch(() => undefined);
    if (real !== undefined) return join(real, ...rest);
    if (dirname(p) === p) return resolve(path);
    rest.unshift(basename(p));
  }
}

/** Every write goes through this: nothing is written into /proc, /sys or /dev, even through a link. */
export async function refuseSystemFolder(path: string): Promise<void> {
  const real = await realDestination(path);
  const folder = systemFolderOf(real);
  if (folder === undefined) return;
  const via = real === resolve(path) ? '' : ` (its real path is ${real})`;
  throw new DataError(path, `is in ${folder}${via}, a system folder; SegLab writes nothing there`);
}

export class NodeFileSystem implements FileSystem {
  async readFile(path: string): Promise<Uint8Array> {
    try {
      const b = await fsp.readFile(path);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (err) {
      throw wrap(path, err);
    }
  }

  async readHead(path: string, length: number): Promise<Uint8Array> {
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(path, 'r');
      const buf = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await fh.read(buf, filled, length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buf.subarray(0, filled);
    } catch (err) {
      throw wrap(path, err);
    } finally {
      await fh?.close();
    }
  }

  async writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
    // Same folder, so the rename stays on one file system and is atomic; fsync before the
    // rename so a crash leaves either the old file or the complete new one.
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    await refuseSystemFolder(path);
    try {
      const fh = await fsp.open(tmp, 'wx');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, path);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw wrap(path, err);
    }
  }

  async readDirectory(path: string): Promise<Array<[string, EntryType]>> {
    try {
      const dirents = await fsp.readdir(path, { withFileTypes: true });
      const entries = dirents.map((d): [string, EntryType] => [d.name, entryType(d)]);
      // Datasets often symlink their images: report what a link points at (few, so one stat each).
      const links = entries.filter((_, i) => dirents[i].isSymbolicLink());
      await Promise.all(
        links.map(async (entry) => {
          const target = await fsp.stat(join(path, entry[0])).catch(() => undefined);
          entry[1] = target ? entryType(target) : 'other';
        }),
      );
      return entries;
    } catch (err) {
      throw wrap(path, err);
    }
  }

  async stat(path: string): Promise<{ type: EntryType; size: number; mtime: number } | undefined> {
    try {
      const s = await fsp.stat(path);
      return { type: entryType(s), size: s.size, mtime: s.mtimeMs };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw wrap(path, err);
    }
  }

  /**
   * Creates `path` and its missing parents, each once, top down. Not Node's `recursive` mkdir: when
   * a child keeps failing with ENOENT under a parent that exists (any name in /proc, a folder
   * under a dangling link) that retries the child and the parent forever, at 100 % CPU.
   */
  async createDirectory(path: string): Promise<void> {
    await refuseSystemFolder(path);
    try {
      const missing: string[] = [];
      for (let p = resolve(path); dirname(p) !== p; p = dirname(p)) {
        const s = await fsp.stat(p).catch((err: unknown) => {
          if (errorCode(err) === 'ENOENT') return undefined;
          throw err;
        });
        if (s?.isDirectory()) break;
        if (s) throw new DataError(p, 'exists and is not a folder');
        missing.unshift(p);
      }
      for (const folder of missing) {
        await fsp.mkdir(folder).catch((err: unknown) => {
          if (errorCode(err) !== 'EEXIST') throw err;
        });
      }
    } catch (err) {
      throw wrap(path, err);
    }
  }

  async realPath(path: string): Promise<string | undefined> {
    try {
      return await fsp.realpath(path);
    } catch (err) {
      if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errorCode(err) ?? '')) return undefined;
      throw wrap(path, err);
    }
  }

  async linksIn(folder: string): Promise<Map<string, string | undefined>> {
    try {
      const links = (await fsp.readdir(folder, { withFileTypes: true })).filter((d) => d.isSymbolicLink());
      return new Map(await Promise.all(links.map(async (d) => [d.name, await this.realPath(join(folder, d.name))] as const)));
    } catch (err) {
      throw wrap(folder, err);
    }
  }

  async delete(path: string): Promise<void> {
    await refuseSystemFolder(path);
    try {
      await fsp.rm(path, { recursive: true, force: true });
    } catch (err) {
      throw wrap(path, err);
    }
  }
}
