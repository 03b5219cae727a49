/**
 * Smart Select's image encoder on WebGPU in the mask editor's webview, as Pre-label Image runs
 * its model there: when the image's embeddings are not cached, `seglab.webgpu` lets the webview
 * run it (its rule: webgpuPlacement.ts), the webview gets the encoder (a webview URI
 * when it may fetch the file, else its bytes), runs it through the core encodeImage, uses the
 * result at once and sends it here; the host checks it against the image, the card and the
 * encoder's output shapes before it enters the cache like its own. Any failure leaves the
 * encoding to the host (answerSmartSelect), with the reason in the log.
 */
import * as vscode from 'vscode';
import { checkEncoderOutput, embeddingsFromMessage } from '../core/model/promptable/embeddingTensors';
import type { PromptableModel } from '../core/model/promptable/load';
import type { Embeddings } from '../core/model/promptable/selection';
import { toArrayBuffer } from '../core/protocol';
import { MessageType } from '../core/protocol';
import type { MaskDocument } from '../editor/maskDocument';
import type { MaskEditorProvider } from '../editor/maskEditorProvider';
import { underRoots } from '../prelabel/webPrelabel';
import type { HostEmbeddings, Lookup } from './hostEmbeddings';

type Encoded = { embeddings: Embeddings; provider: string; milliseconds: number };

/** Each panel's encodes in flight by cache key: Smart Select chosen again meanwhile waits for the same answer instead of sending the encoder again. */
const inFlight = new WeakMap<vscode.WebviewPanel, Map<string, Promise<Encoded>>>();

/** The model's encoder run in the panel's webview; the checked embeddings are cached under `found.key`. Throws why it could not. */
export function encodeInWebview(
  editors: MaskEditorProvider,
  panel: vscode.WebviewPanel,
  document: MaskDocument,
  model: PromptableModel,
  host: HostEmbeddings,
  found: Lookup,
): Promise<Encoded> {
  let running = inFlight.get(panel);
  if (!running) inFlight.set(panel, (running = new Map()));
  const pending = running.get(found.key);
  if (pending) return pending;
  const answer = (async (): Promise<Encoded> => {
    const { card } = model;
    if (card.family !== 'sam' || !model.encoder) throw new Error(`${model.cardPath}: a "${card.family}" model has no image encoder`);
    const file = vscode.Uri.joinPath(vscode.Uri.file(model.cardPath), '..', card.encoder.file);
    const fetchable = underRoots(file, panel.webview.options.localResourceRoots ?? []);
    const reply = await editors.encodeInWebview(panel, {
      type: MessageType.SmartSelectEncode,
      decoderSha256: model.decoderFile.sha256,
      encoderName: card.encoder.file,
      ...(fetchable ? { encoderUri: panel.webview.asWebviewUri(file).toString() } : { encoderBytes: toArrayBuffer(await vscode.workspace.fs.readFile(file)) }),
    });
    if ('error' in reply) throw new Error(reply.error);
    const source = `${document.uri.fsPath} (embeddings from the webview)`;
    const embeddings = embeddingsFromMessage(reply, document.mask.width, document.mask.height, source);
    checkEncoderOutput(card, model.encoder.io.outputs, embeddings, source);
    await host.store(found.key, embeddings);
    return { embeddings, provider: reply.provider, milliseconds: reply.milliseconds };
  })().finally(() => running.delete(found.key));
  running.set(found.key, answer);
  return answer;
}
