/**
 * A file-system provider for a scheme of its own, serving a local folder through VS Code's
 * provider API: datasets opened under it are read and written only through `workspace.fs`, as
 * on a remote or virtual file system.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';

export const TEST_SCHEME = 'seglabtest';

export class DiskProvider implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return guard(uri, async () => {
      const s = await stat(uri.path);
      const type = s.isDirectory() ? vscode.FileType.Directory : s.isFile() ? vscode.FileType.File : vscode.FileType.Unknown;
      return { type, ctime: s.ctimeMs, mtime: s.mtimeMs, size: s.size };
    });
  }

  readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return guard(uri, async () =>
      (await readdir(uri.path, { withFileTypes: true })).map((d): [string, vscode.FileType] => [
        d.name,
        d.isDirectory() ? vscode.FileType.Directory : vscode.FileType.File,
      ]),
    );
  }

  readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return guard(uri, () => readFile(uri.path));
  }

  writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    return guard(uri, () => writeFile(uri.path, content));
  }

  createDirectory(uri: vscode.Uri): Promise<void> {
    return guard(uri, async () => void (await mkdir(uri.path, { recursive: true })));
  }

  delete(uri: vscode.Uri): Promise<void> {
    return guard(uri, () => rm(uri.path, { recursive: true }));
  }

  rename(from: vscode.Uri, to: vscode.Uri): Promise<void> {
    return guard(from, () => rename(from.path, to.path));
  }
}

async function guard<T>(uri: vscode.Uri, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw vscode.FileSystemError.FileNotFound(uri);
    throw error;
  }
}
