import * as vscode from 'vscode';
import { serializeDelta, type MaskDelta } from '../core/editing/delta';
import { decodeMask } from '../core/mask/codec';
import { isCount, isRecord, unhandled } from '../core/messages';
import {
  MessageType,
  parseFromWebview,
  PROTOCOL_VERSION,
  toArrayBuffer,
  type CapabilitiesMessage,
  type EditMessage,
  type ModelResultMessage,
  type DisagreementMessage,
  type RunModelMessage,
  type SmartSelectEncodedMessage,
  type SmartSelectEncodeMessage,
  type ToWebviewMessage,
} from '../core/protocol';
import { RequestTracker } from '../core/requestTracker';
import { baseName, joinPath, stemOf } from '../core/paths';
import { MaskDocument, type MaskChange } from './maskDocument';
import { maskEditorStrings } from './maskEditorStrings';
import { webviewPage } from '../webviewPage';
import { errorMessage } from '../core/errors';

export const MASK_EDITOR_VIEW_TYPE = 'seglab.maskEditor';

/**
 * The mask editor: one MaskDocument per image, any number of webview panels on it. Every
 * gesture becomes one VS Code edit, so undo/redo, dirty state, save and hot exit are VS Code's own.
 */
export class MaskEditorProvider implements vscode.CustomEditorProvider<MaskDocument> {
  private readonly panels = new Map<MaskDocument, Set<vscode.WebviewPanel>>();
  private readonly changed = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<MaskDocument>>();
  private readonly resolved = new vscode.EventEmitter<MaskDocument>();
  readonly onDidChangeCustomDocument = this.changed.event;
  /** The document of the focused mask editor panel, for commands such as "Pre-label Image". */
  private active: { document: MaskDocument; panel: vscode.WebviewPanel } | undefined;
  private readonly activeChanged = new vscode.EventEmitter<void>();
  /** Fires when another mask editor (or none) becomes the active one. */
  readonly onDidChangeActive = this.activeChanged.event;
  private readonly saved = new vscode.EventEmitter<MaskDocument>();
  /** A mask was saved to its own file (not Save As): "Train as you label" counts these. */
  readonly onDidSaveMask = this.saved.event;
  /** What each panel's webview can run models on, for "Pre-label Image". */
  private readonly capabilities = new WeakMap<vscode.WebviewPanel, CapabilitiesMessage>();
  private readonly reported = new vscode.EventEmitter<{ document: MaskDocument; panel: vscode.WebviewPanel; capabilities: CapabilitiesMessage }>();
  /** A panel's webview is initialised and has said what it can run models on. */
  readonly onDidReportCapabilities = this.reported.event;
  /** Each panel's RunModel requests that wait for their ModelResult. */
  private readonly modelRuns = new WeakMap<vscode.WebviewPanel, RequestTracker<ModelResultMessage>>();
  /** Panels whose webview has been initialised (messages before that would be lost). */
  private readonly ready = new WeakSet<vscode.WebviewPanel>();
  private readonly smartSelectStarted = new vscode.EventEmitter<{ document: MaskDocument; panel: vscode.WebviewPanel; loaded?: string }>();
  /** A panel's Smart Select tool was chosen: it waits for SmartSelectModel (smartSelect/smartSelectHost.ts answers). */
  readonly onDidStartSmartSelect = this.smartSelectStarted.event;
  /** Each panel's SmartSelectEncode requests that wait for their SmartSelectEncoded. */
  private readonly encodes = new WeakMap<vscode.WebviewPanel, RequestTracker<SmartSelectEncodedMessage>>();
  /** The disagreement layer each document shows, for panels that open or reload later. */
  private readonly disagreements = new Map<MaskDocument, DisagreementMessage>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext): Promise<MaskDocument> {
    const document = await MaskDocument.open(uri, openContext.backupId);
    this.panels.set(document, new Set());
    const subscriptions = [document.onDidChange((change) => this.broadcast(document, change)), this.watchMask(document)];
    document.onDidDispose(() => {
      subscriptions.forEach((s) => s.dispose());
      this.panels.delete(document);
      this.disagreements.delete(document);
    });
    return document;
  }

  async resolveCustomEditor(document: MaskDocument, panel: vscode.WebviewPanel): Promise<void> {
    this.panels.get(document)?.add(panel);
    const modelRuns = new RequestTracker<ModelResultMessage>();
    this.modelRuns.set(panel, modelRuns);
    const encodes = new RequestTracker<SmartSelectEncodedMessage>();
    this.encodes.set(panel, encodes);
    const track = (): void => {
      const before = this.active;
      if (panel.active) this.active = { document, panel };
      else if (this.active?.panel === panel) this.active = undefined;
      if (this.active?.panel !== before?.panel) this.activeChanged.fire();
    };
    track();
    panel.onDidChangeViewState(track);
    panel.onDidDispose(() => {
      this.panels.get(document)?.delete(panel);
      this.modelRuns.delete(panel);
      modelRuns.dispose(new Error('the mask editor was closed while the model ran'));
      encodes.dispose(new Error('the mask editor was closed while the encoder ran'));
      if (this.active?.panel !== panel) return;
      this.active = undefined;
      this.activeChanged.fire();
    });
    const distUri = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const mediaUri = vscode.Uri.joinPath(this.extensionUri, 'media');
    // The workspace folders (VS Code's default roots) let "Pre-label Image" fetch models kept there.
    const workspaceRoots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri);
    panel.webview.options = { enableScripts: true, localResourceRoots: [distUri, mediaUri, document.rootUri, ...workspaceRoots] };
    panel.webview.html = webviewPage(panel.webview, this.extensionUri, {
      bundle: 'maskEditor',
      title: 'Mask Editor',
      // 'wasm-unsafe-eval': ONNX Runtime Web's .wasm, for pre-labeling on WebGPU in the editor.
      extraSources: { 'img-src': ['blob:'], 'connect-src': [panel.webview.cspSource], 'script-src': ["'wasm-unsafe-eval'"] },
    });
    panel.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(document, panel, raw));
    this.resolved.fire(document);
  }

  private onMessage(document: MaskDocument, panel: vscode.WebviewPanel, raw: unknown): void {
    let message;
    try {
      message = parseFromWebview(raw);
    } catch (error) {
      this.log.error(`Mask editor: refused a message from the webview: ${errorMessage(error)}`);
      // A refused encoder answer still ends the wait for it, so the host encodes the image itself.
      if (isRecord(raw) && raw.type === MessageType.SmartSelectEncoded && isCount(raw.requestId)) {
        const refused = `its answer was refused (${errorMessage(error)})`;
        this.encodes.get(panel)?.settle(raw.requestId, { type: MessageType.SmartSelectEncoded, requestId: raw.requestId, error: refused });
      }
      return;
    }
    switch (message.type) {
      case MessageType.Ready:
        this.init(document, panel);
        break;
      case MessageType.Capabilities:
        this.capabilities.set(panel, message);
        this.log.info(
          `Mask editor on ${baseName(document.uri.path)}: ${message.webgpu ? `WebGPU adapter ${message.adapter || '(unnamed)'}` : 'no WebGPU adapter'} in the webview`,
        );
        this.reported.fire({ document, panel, capabilities: message });
        break;
      case MessageType.ModelResult:
        this.modelRuns.get(panel)?.settle(message.requestId, message);
        break;
      case MessageType.Edit:
        this.edit(document, panel, message);
        break;
      case MessageType.SmartSelectStart:
        this.smartSelectStarted.fire({ document, panel, loaded: message.loaded });
        break;
      case MessageType.SmartSelectEncoded:
        this.encodes.get(panel)?.settle(message.requestId, message);
        break;
      default:
        unhandled(message);
    }
  }

  private init(document: MaskDocument, panel: vscode.WebviewPanel): void {
    const { mask, model } = document;
    this.post(panel, {
      type: MessageType.Init,
      version: PROTOCOL_VERSION,
      imageUri: panel.webview.asWebviewUri(document.uri).toString(),
      imageName: baseName(document.uri.path),
      width: mask.width,
      height: mask.height,
      mask: toArrayBuffer(mask.data),
      classes: model.context.config.classes,
      ignoreIndex: model.context.config.ignoreIndex,
      strings: maskEditorStrings(),
    });
    this.ready.add(panel);
    const disagreement = this.disagreements.get(document);
    if (disagreement) this.post(panel, disagreement);
  }

  private edit(document: MaskDocument, panel: vscode.WebviewPanel, message: EditMessage): void {
    try {
      const delta = document.applyEdit(message.delta, panel);
      this.changed.fire({
        document,
        label: message.label,
        undo: () => document.step(delta, 'undo'),
        redo: () => document.step(delta, 'redo'),
      });
      this.post(panel, { type: MessageType.Reply, inReplyTo: message.messageId });
    } catch (error) {
      // The webview already shows the refused edit: tell it, then resend the truth.
      this.log.warn(`Mask editor: refused an edit of ${document.uri.fsPath}: ${errorMessage(error)}`);
      this.post(panel, { type: MessageType.Reply, inReplyTo: message.messageId, error: errorMessage(error) });
      this.post(panel, { type: MessageType.ReplaceMask, mask: toArrayBuffer(document.mask.data) });
    }
  }

  /**
   * Runs a model in the panel's webview (RunModel) and resolves with its ModelResult. When `token`
   * fires, the webview is told to stop (CancelModel) and this rejects with a CancellationError.
   */
  async runModel(panel: vscode.WebviewPanel, request: Omit<RunModelMessage, 'requestId'>, token: vscode.CancellationToken): Promise<ModelResultMessage> {
    const modelRuns = this.modelRuns.get(panel);
    if (!modelRuns) throw new Error('the mask editor was closed while the model ran');
    if (token.isCancellationRequested) throw new vscode.CancellationError();
    const { id, reply } = modelRuns.open();
    const cancelling = token.onCancellationRequested(() => {
      this.post(panel, { type: MessageType.CancelModel, requestId: id });
      modelRuns.cancel(id, new vscode.CancellationError());
    });
    try {
      this.post(panel, { ...request, requestId: id });
      return await reply;
    } finally {
      cancelling.dispose();
    }
  }

  /** Runs Smart Select's image encoder in the panel's webview (SmartSelectEncode) and resolves with its SmartSelectEncoded. */
  encodeInWebview(panel: vscode.WebviewPanel, request: Omit<SmartSelectEncodeMessage, 'requestId'>): Promise<SmartSelectEncodedMessage> {
    const encodes = this.encodes.get(panel);
    if (!encodes) return Promise.reject(new Error('the mask editor was closed while the encoder ran'));
    const { id, reply } = encodes.open();
    this.post(panel, { ...request, requestId: id });
    return reply;
  }

  /** The document of an image once an editor shows it (`vscode.openWith` may return before); undefined after `timeoutMs`. */
  documentOf(uri: vscode.Uri, timeoutMs = 30_000): Promise<MaskDocument | undefined> {
    const key = uri.toString();
    const shown = [...this.panels].find(([d, panels]) => d.uri.toString() === key && panels.size > 0)?.[0];
    if (shown) return Promise.resolve(shown);
    return new Promise((resolve) => {
      const done = (document: MaskDocument | undefined) => {
        clearTimeout(timer);
        sub.dispose();
        resolve(document);
      };
      const sub = this.resolved.event((d) => d.uri.toString() === key && done(d));
      const timer = setTimeout(() => done(undefined), timeoutMs);
    });
  }

  /**
   * Shows where `model`'s prediction of the image (predictions/<model>/<stem>.png) and the mask
   * differ, in every editor of the document; throws a message naming the file when it is missing
   * or does not fit the image.
   */
  async showDisagreement(document: MaskDocument, model: string): Promise<void> {
    const { context } = document.model;
    const path = joinPath(context.root, context.config.predictionsDir, model, `${stemOf(baseName(context.imagePath))}.png`);
    if (!(await document.fs.stat(path)))
      throw new Error(vscode.l10n.t('{0} has no prediction by {1} ({2} does not exist).', baseName(context.imagePath), model, path));
    const prediction = decodeMask(await document.fs.readFile(path), { path, classes: context.config.classes, ignoreIndex: context.config.ignoreIndex });
    const { width, height } = document.mask;
    if (prediction.width !== width || prediction.height !== height) {
      throw new Error(`${path}: the prediction is ${prediction.width}x${prediction.height}, the image ${width}x${height}`);
    }
    const message: DisagreementMessage = { type: MessageType.Disagreement, model, width, height, prediction: toArrayBuffer(prediction.data) };
    this.disagreements.set(document, message);
    this.log.info(`Mask editor: ${baseName(context.imagePath)} compared with the prediction of ${model}`);
    for (const panel of this.panels.get(document) ?? []) if (this.ready.has(panel)) this.post(panel, message);
  }

  /** What the panel's webview reported it can run models on; undefined before it has. */
  capabilitiesOf(panel: vscode.WebviewPanel): CapabilitiesMessage | undefined {
    return this.capabilities.get(panel);
  }

  /** The focused mask editor, with what its webview reported it can run models on. */
  get activePanel(): { document: MaskDocument; panel: vscode.WebviewPanel; capabilities?: CapabilitiesMessage } | undefined {
    return this.active && { ...this.active, capabilities: this.capabilitiesOf(this.active.panel) };
  }

  get activeDocument(): MaskDocument | undefined {
    return this.active?.document;
  }

  /**
   * Applies an edit made in the host as one VS Code edit (undo/redo, dirty state, hot exit) and
   * sends it to every open editor of the document; throws if it does not match the mask.
   */
  applyHostEdit(document: MaskDocument, label: string, delta: MaskDelta): void {
    document.applyHostEdit(delta);
    this.changed.fire({ document, label, undo: () => document.step(delta, 'undo'), redo: () => document.step(delta, 'redo') });
  }

  /** Sends a message to every open editor of the document (e.g. a prediction's confidence). */
  postAll(document: MaskDocument, message: ToWebviewMessage): void {
    for (const panel of this.panels.get(document) ?? []) this.post(panel, message);
  }

  private broadcast(document: MaskDocument, change: MaskChange): void {
    for (const panel of this.panels.get(document) ?? []) {
      if (change.kind === 'replace') this.post(panel, { type: MessageType.ReplaceMask, mask: toArrayBuffer(document.mask.data) });
      else if (panel !== change.origin) this.post(panel, { type: MessageType.ApplyDelta, delta: serializeDelta(change.delta), direction: change.direction });
    }
  }

  /** Sends a message to one panel's webview. */
  post(panel: vscode.WebviewPanel, message: ToWebviewMessage): void {
    void panel.webview.postMessage(message);
  }

  /** Mask file changed by someone else: reload when clean, ask when there is unsaved work. */
  private watchMask(document: MaskDocument): vscode.Disposable {
    const maskUri = document.maskUri;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(maskUri, '..'), baseName(maskUri.path)));
    const onDisk = async (): Promise<void> => {
      if (!(await document.diskChanged())) return;
      if (document.dirty) {
        const reload = vscode.l10n.t('Reload from Disk');
        const choice = await vscode.window.showWarningMessage(
          vscode.l10n.t('The mask of {0} changed on disk, and you have unsaved changes.', baseName(document.uri.path)),
          reload,
          vscode.l10n.t('Keep My Changes'),
        );
        if (choice !== reload) return;
        if (await this.revertThroughVscode(document)) return;
      }
      await document.revert();
    };
    const handler = () => void onDisk().catch((error: unknown) => this.log.error(`Mask editor: reloading the mask failed: ${errorMessage(error)}`));
    return vscode.Disposable.from(watcher, watcher.onDidChange(handler), watcher.onDidCreate(handler), watcher.onDidDelete(handler));
  }

  /**
   * Reverts through VS Code, whose dirty state only follows its own revert: on one of the
   * document's editors, brought to the front first, since the command acts on the active editor
   * (never run it while another editor, maybe a dirty text file, is active). False when no editor
   * of the document came to the front within a second.
   */
  private async revertThroughVscode(document: MaskDocument): Promise<boolean> {
    const panel = [...(this.panels.get(document) ?? [])][0];
    if (!panel) return false;
    const isFront = () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return (
        panel.active && input instanceof vscode.TabInputCustom && input.viewType === MASK_EDITOR_VIEW_TYPE && input.uri.toString() === document.uri.toString()
      );
    };
    panel.reveal(panel.viewColumn, false);
    for (let waited = 0; !isFront(); waited += 50) {
      if (waited >= 1000) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await vscode.commands.executeCommand('workbench.action.files.revert');
    return true;
  }

  async saveCustomDocument(document: MaskDocument): Promise<void> {
    await document.save();
    this.saved.fire(document);
  }

  async saveCustomDocumentAs(document: MaskDocument, destination: vscode.Uri): Promise<void> {
    await document.saveAs(destination);
  }

  async revertCustomDocument(document: MaskDocument): Promise<void> {
    await document.revert();
  }

  backupCustomDocument(document: MaskDocument, context: vscode.CustomDocumentBackupContext): Thenable<vscode.CustomDocumentBackup> {
    return document.backup(context.destination);
  }
}
