/** The core FileSystem over Node's fs, for the CLI, tests and benchmarks. */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../core/errors';
import type { EntryType, FileSystem } from '../core/fileSystem';

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

  async createDirectory(path: string): Promise<void> {
    try {
      await fsp.mkdir(path, { recursive: true });
    } catch (err) {
      throw wrap(path, err);
    }
  }

  async delete(path: string): Promise<void> {
    try {
      await fsp.rm(path, { recursive: true, force: true });
    } catch (err) {
      throw wrap(path, err);
    }
  }
}
