import * as vscode from 'vscode';
import type { DatasetIndex } from '../core/dataset/types';
import { baseName } from '../core/paths';
import { VscodeFileSystem } from './vscodeFileSystem';

/** What the tree and the commands know about one dataset folder at a given moment. */
export class DatasetState {
  readonly fs: VscodeFileSystem;
  index?: DatasetIndex;
  /** Why the dataset could not be read, and the file at fault when one is known. */
  error?: { message: string; file?: vscode.Uri };
  loading = false;
  validating = false;

  constructor(
    readonly uri: vscode.Uri,
    /** Found in a workspace folder, or added with "Open Dataset…". */
    readonly source: 'workspace' | 'opened',
  ) {
    this.fs = new VscodeFileSystem(uri);
  }

  get key(): string {
    return this.uri.toString();
  }

  get name(): string {
    return this.index?.config.name ?? baseName(this.uri.path);
  }

  /** Core paths are POSIX strings: absolute ones map to URIs directly, others are relative to the root. */
  resolve(path: string): vscode.Uri {
    return path.startsWith('/') ? this.fs.uri(path) : vscode.Uri.joinPath(this.uri, path);
  }
}
