import * as vscode from 'vscode';
import type { MaskDelta } from '../core/editing/delta';
import type { Mask } from '../core/mask/codec';
import { VscodeFileSystem } from '../dataset/vscodeFileSystem';
import { findImageContext, saveAsProblem } from './imageContext';
import { replayJournal, serializeJournal } from '../core/editing/journal';
import { loadMask, MaskModel } from './maskModel';
import { baseName } from '../core/paths';
import { errorMessage } from '../core/errors';

/** What the open editors of a document must show next. */
export type MaskChange = { kind: 'delta'; delta: MaskDelta; direction: 'undo' | 'redo'; origin?: vscode.WebviewPanel } | { kind: 'replace' };

/**
 * One open (image, mask) pair. The image is the document's URI; the mask is what is edited and
 * saved. Holds the authoritative pixels; the webviews mirror them.
 */
export class MaskDocument implements vscode.CustomDocument {
  private readonly changed = new vscode.EventEmitter<MaskChange>();
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly onDidDispose = this.disposed.event;
  /** True from the first edit until save or revert (undoing back to the saved state still counts). */
  dirty = false;
  /** The bytes last written or read, so our own save does not look like someone else's change. */
  private lastDiskBytes: Uint8Array | undefined;

  static async open(uri: vscode.Uri, backupId: string | undefined): Promise<MaskDocument> {
    const fs = new VscodeFileSystem(uri);
    const context = await findImageContext(fs, uri.path);
    const model = new MaskModel(context, await loadMask(fs, context));
    const doc = new MaskDocument(uri, fs, model);
    if (backupId) {
      const backup = await vscode.workspace.fs.readFile(vscode.Uri.parse(backupId));
      try {
        model.journal = replayJournal(model.mask, backup);
        doc.dirty = true;
      } catch (error) {
        void vscode.window.showWarningMessage(
          vscode.l10n.t('Unsaved changes to the mask of {0} could not be restored: {1}', baseName(uri.path), errorMessage(error)),
        );
      }
    }
    return doc;
  }

  private constructor(
    readonly uri: vscode.Uri,
    readonly fs: VscodeFileSystem,
    readonly model: MaskModel,
  ) {}

  get mask(): Mask {
    return this.model.mask;
  }

  get maskUri(): vscode.Uri {
    return this.fs.uri(this.model.context.maskPath);
  }

  get rootUri(): vscode.Uri {
    return this.fs.uri(this.model.context.root);
  }

  /** Applies a webview's gesture; throws when it is invalid or stale (nothing changes then). */
  applyEdit(buffer: ArrayBuffer, origin: vscode.WebviewPanel): MaskDelta {
    const delta = this.model.applyEdit(buffer);
    this.dirty = true;
    this.changed.fire({ kind: 'delta', delta, direction: 'redo', origin });
    return delta;
  }

  /** Applies an edit made in the host (e.g. a pre-label); every open editor is sent the delta. */
  applyHostEdit(delta: MaskDelta): void {
    this.model.apply(delta);
    this.dirty = true;
    this.changed.fire({ kind: 'delta', delta, direction: 'redo' });
  }

  step(delta: MaskDelta, direction: 'undo' | 'redo'): void {
    if (!this.model.step(delta, direction)) return; // the mask was reverted or reloaded since
    this.dirty = true;
    this.changed.fire({ kind: 'delta', delta, direction });
  }

  async save(): Promise<void> {
    this.lastDiskBytes = await this.model.save(this.fs);
    this.dirty = false;
  }

  /**
   * Writes the mask to another PNG; throws, writing nothing, where that would overwrite an image.
   * VS Code then counts the document as saved and opens `destination` in its default editor.
   */
  async saveAs(destination: vscode.Uri): Promise<void> {
    if (destination.toString() === this.maskUri.toString()) return this.save();
    const problem = saveAsProblem(this.model.context, destination.path);
    if (problem) throw new Error(problem);
    await this.model.save(new VscodeFileSystem(destination), destination.path);
    this.dirty = false;
  }

  async revert(): Promise<void> {
    this.model.mask = await loadMask(this.fs, this.model.context);
    this.model.journal = [];
    this.lastDiskBytes = undefined;
    this.dirty = false;
    this.changed.fire({ kind: 'replace' });
  }

  /** Whether the mask file's bytes differ from what this document last wrote. */
  async diskChanged(): Promise<boolean> {
    const stat = await this.fs.stat(this.model.context.maskPath);
    if (!stat || !this.lastDiskBytes) return true;
    const bytes = await this.fs.readFile(this.model.context.maskPath);
    return bytes.length !== this.lastDiskBytes.length || bytes.some((b, i) => b !== this.lastDiskBytes![i]);
  }

  async backup(destination: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    await vscode.workspace.fs.writeFile(destination, serializeJournal(this.model.journal));
    return {
      id: destination.toString(),
      delete: () => void vscode.workspace.fs.delete(destination).then(undefined, () => undefined),
    };
  }

  dispose(): void {
    this.disposed.fire();
    this.changed.dispose();
    this.disposed.dispose();
  }
}
