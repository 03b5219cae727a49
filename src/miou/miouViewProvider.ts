/**
 * The "Dataset mIoU" webview view (the webview-view sample's shape: a viewType matching
 * package.json, a nonce'd CSP, resources from dist/ and media/ only). The last state message is
 * kept and replayed when the view is shown again or reloaded (hexeditor's data inspector does
 * the same), so nothing sent while it was hidden is lost.
 */
import * as vscode from 'vscode';
import { webviewPage } from '../webviewPage';
import { MIOU_PROTOCOL_VERSION, MiouMessageType, parseFromMiouWebview, type FromMiouWebviewMessage, type ToMiouWebviewMessage } from '../core/miouProtocol';
import { miouViewStrings } from './miouViewStrings';
import { errorMessage } from '../core/errors';

export const MIOU_VIEW_TYPE = 'seglab.miou';

export interface MiouViewHandler {
  /** The webview is ready (first load or reload): the view should show current results. */
  onReady(): void;
  onMessage(message: Exclude<FromMiouWebviewMessage, { type: MiouMessageType.Ready }>): Promise<void>;
}

export class MiouViewProvider implements vscode.WebviewViewProvider {
  private view?: vscode.WebviewView;
  private lastState?: ToMiouWebviewMessage;
  private lastProgress?: ToMiouWebviewMessage;
  private lastTraining?: ToMiouWebviewMessage;
  handler?: MiouViewHandler;
  private readonly becameVisible = new vscode.EventEmitter<void>();
  readonly onDidBecomeVisible = this.becameVisible.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    view.webview.html = webviewPage(view.webview, this.extensionUri, { bundle: 'miouView', title: 'Dataset mIoU' });
    view.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw));
    view.onDidChangeVisibility(() => {
      if (!view.visible) return;
      this.replay();
      this.becameVisible.fire();
    });
    view.onDidDispose(() => (this.view = undefined));
  }

  /** Sends a message, keeping the last state (and progress, and training curves) for replay. */
  post(message: ToMiouWebviewMessage): void {
    if (message.type === MiouMessageType.Progress) this.lastProgress = message.running ? message : undefined;
    else if (message.type === MiouMessageType.Training) this.lastTraining = message;
    else if (message.type !== MiouMessageType.Reply) this.lastState = message;
    if (this.view?.visible) void this.view.webview.postMessage(message);
  }

  private replay(): void {
    for (const m of [this.lastState, this.lastTraining, this.lastProgress]) if (m) void this.view?.webview.postMessage(m);
  }

  private async receive(raw: unknown): Promise<void> {
    let message: FromMiouWebviewMessage;
    try {
      message = parseFromMiouWebview(raw);
    } catch (error) {
      this.log.error(`mIoU view: ${errorMessage(error)}`);
      return;
    }
    if (message.type === MiouMessageType.Ready) {
      // The words first: the webview keeps what comes before them until they arrive.
      void this.view?.webview.postMessage({
        type: MiouMessageType.Strings,
        version: MIOU_PROTOCOL_VERSION,
        strings: miouViewStrings(),
      } satisfies ToMiouWebviewMessage);
      this.replay();
      this.handler?.onReady();
      return;
    }
    const id = 'messageId' in message ? message.messageId : undefined;
    try {
      await this.handler?.onMessage(message);
      if (id !== undefined) this.post({ type: MiouMessageType.Reply, inReplyTo: id });
    } catch (error) {
      const text = errorMessage(error);
      this.log.error(`mIoU view: ${message.type} failed: ${text}`);
      if (id !== undefined) this.post({ type: MiouMessageType.Reply, inReplyTo: id, error: text });
      else void vscode.window.showErrorMessage(vscode.l10n.t('SegLab: {0}', text));
    }
  }
}
