import * as vscode from 'vscode';
import { DataError, errorMessage } from '../core/errors';
import type { EntryType, FileSystem } from '../core/fileSystem';
import { baseName, dirName, joinPath } from '../core/paths';
import { NodeFileSystem, refuseSystemFolder } from '../node/nodeFileSystem';

/**
 * Core's FileSystem over `vscode.workspace.fs`, so datasets in Remote-SSH, WSL, Codespaces and
 * other file-system providers work as local ones do. Core's POSIX path strings are the `path`
 * part of URIs that share the scheme and authority of `base` (a dataset or workspace folder).
 *
 * One exception: reads (files, listings, stats) of `file:` URIs go straight to the disk. The
 * extension runs as a workspace extension, on the machine that holds `file:` URIs (remotely too),
 * so it is the same disk that workspace.fs would reach, without one round trip per call: checking
 * masks ran 3.6x faster that way in code-server. Writes stay on workspace.fs, so VS Code sees them;
 * those of `file:` URIs are refused in /proc, /sys and /dev first, as the CLI's are.
 *
 * Symbolic links (the rule that keeps reads inside a dataset, core/dataset/bounds.ts): `file:` URIs
 * resolve them on the disk (realpath). `workspace.fs` has no real-path call, so on other schemes
 * an entry that is itself a link (FileType.SymbolicLink) counts as one that cannot be resolved
 * and is not followed; a link higher up, among its parent folders, is the provider's to resolve.
 */
export class VscodeFileSystem implements FileSystem {
  /** Reads of `file:` URIs, by their local path. */
  private readonly disk: NodeFileSystem | undefined;

  constructor(readonly base: vscode.Uri) {
    this.disk = base.scheme === 'file' ? new NodeFileSystem() : undefined;
  }

  uri(path: string): vscode.Uri {
    return this.base.with({ path });
  }

  async readFile(path: string): Promise<Uint8Array> {
    if (this.disk) return this.disk.readFile(this.uri(path).fsPath);
    return guard(path, () => vscode.workspace.fs.readFile(this.uri(path)));
  }

  /** `workspace.fs` has no ranged read: other schemes than `file:` read the file and keep its head. */
  async readHead(path: string, length: number): Promise<Uint8Array> {
    if (this.disk) return this.disk.readHead(this.uri(path).fsPath, length);
    const data = await this.readFile(path);
    return data.length <= length ? data : data.subarray(0, length);
  }

  async writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
    await this.refuseSystemFolder(path);
    // Same folder, so the rename stays on one file system and replaces the file in one step.
    const random = Math.random().toString(36).slice(2, 10);
    const temp = this.uri(joinPath(dirName(path), `.${baseName(path)}.${random}.tmp`));
    await guard(path, async () => {
      try {
        await vscode.workspace.fs.writeFile(temp, data);
        await vscode.workspace.fs.rename(temp, this.uri(path), { overwrite: true });
      } catch (error) {
        await vscode.workspace.fs.delete(temp).then(undefined, () => undefined);
        throw error;
      }
    });
  }

  async readDirectory(path: string): Promise<Array<[name: string, type: EntryType]>> {
    if (this.disk) return this.disk.readDirectory(this.uri(path).fsPath);
    const entries = await guard(path, () => vscode.workspace.fs.readDirectory(this.uri(path)));
    return entries.map(([name, type]) => [name, entryType(type)]);
  }

  async stat(path: string): Promise<{ type: EntryType; size: number; mtime: number } | undefined> {
    if (this.disk) return this.disk.stat(this.uri(path).fsPath);
    try {
      const s = await vscode.workspace.fs.stat(this.uri(path));
      return { type: entryType(s.type), size: s.size, mtime: s.mtime };
    } catch (error) {
      if (isFileNotFound(error)) return undefined;
      throw toDataError(path, error);
    }
  }

  async createDirectory(path: string): Promise<void> {
    await this.refuseSystemFolder(path);
    await guard(path, () => vscode.workspace.fs.createDirectory(this.uri(path)));
  }

  async delete(path: string): Promise<void> {
    await this.refuseSystemFolder(path);
    await guard(path, () => vscode.workspace.fs.delete(this.uri(path), { recursive: true, useTrash: false }));
  }

  async realPath(path: string): Promise<string | undefined> {
    if (this.disk) {
      const real = await this.disk.realPath(this.uri(path).fsPath);
      return real === undefined ? undefined : vscode.Uri.file(real).path;
    }
    const s = await vscode.workspace.fs.stat(this.uri(path)).then(
      (stat) => stat,
      (error: unknown) => {
        if (isFileNotFound(error)) return undefined;
        throw toDataError(path, error);
      },
    );
    return s === undefined || s.type & vscode.FileType.SymbolicLink ? undefined : path;
  }

  async linksIn(folder: string): Promise<Map<string, string | undefined>> {
    if (this.disk) {
      const links = await this.disk.linksIn(this.uri(folder).fsPath);
      return new Map([...links].map(([name, real]) => [name, real === undefined ? undefined : vscode.Uri.file(real).path]));
    }
    const entries = await guard(folder, () => vscode.workspace.fs.readDirectory(this.uri(folder)));
    return new Map(entries.filter(([, type]) => type & vscode.FileType.SymbolicLink).map(([name]) => [name, undefined]));
  }

  private async refuseSystemFolder(path: string): Promise<void> {
    if (this.disk) await refuseSystemFolder(this.uri(path).fsPath);
  }
}

/** FileType is a bit set: a symbolic link to a file is `File | SymbolicLink`. */
function entryType(type: vscode.FileType): EntryType {
  if (type & vscode.FileType.Directory) return 'directory';
  if (type & vscode.FileType.File) return 'file';
  return 'other';
}

/** Providers do not all throw `FileSystemError` instances, but they do carry its code. */
export function isFileNotFound(error: unknown): boolean {
  return errorCode(error) === 'FileNotFound';
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | undefined)?.code;
}

const REASONS: Record<string, string> = {
  FileNotFound: 'no such file or folder',
  FileExists: 'already exists',
  FileNotADirectory: 'not a folder',
  FileIsADirectory: 'is a folder, not a file',
  NoPermissions: 'permission denied',
  Unavailable: 'file system unavailable',
};

/** FileSystemError messages repeat the URI in varying forms; DataError starts with the path. */
function toDataError(path: string, error: unknown): DataError {
  if (error instanceof DataError) return error;
  const code = errorCode(error);
  const reason = typeof code === 'string' ? REASONS[code] : undefined;
  return new DataError(path, reason ?? errorMessage(error));
}

async function guard<T>(path: string, action: () => Thenable<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw toDataError(path, error);
  }
}
