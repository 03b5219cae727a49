/**
 * The host's side of the Smart Select tool: when a mask editor's webview chooses it, the active
 * promptable model's card and decoder go to the webview (which runs the decoder per prompt), then,
 * for a model with an image encoder, the image's embeddings once per image and model: from the
 * host's caches when they hold them, else computed on WebGPU in the webview (webviewEncoder.ts)
 * or, without WebGPU or when that fails, here on native ONNX Runtime. Without a promptable model
 * the webview is told what to do.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import { embeddingTensors } from '../core/model/promptable/embeddingTensors';
import type { PromptableModel } from '../core/model/promptable/load';
import { MessageType, toArrayBuffer } from '../core/protocol';
import type { MaskDocument } from '../editor/maskDocument';
import type { MaskEditorProvider } from '../editor/maskEditorProvider';
import type { ModelRegistry } from '../prelabel/modelRegistry';
import type { HostEmbeddings, Lookup } from './hostEmbeddings';
import { encodeInWebview } from './webviewEncoder';
import { webgpuRefusalFor } from '../prelabel/webPrelabel';

export function answerSmartSelect(editors: MaskEditorProvider, models: ModelRegistry, host: HostEmbeddings, log: vscode.LogOutputChannel): vscode.Disposable {
  return editors.onDidStartSmartSelect(async ({ document, panel, loaded }) => {
    try {
      const entry = await models.activePromptable();
      if (!entry) {
        const error = vscode.l10n.t(
          'no Smart Select model. Put a promptable model (its card with kind "promptable", its encoder and decoder) in a dataset\'s models/ folder or add the pair with "SegLab: Add Model…", then choose it with "SegLab: Select Model".',
        );
        editors.post(panel, { type: MessageType.SmartSelectModel, error });
        return;
      }
      const model = await host.load(entry);
      const { bytes: decoderBytes, sha256: decoderSha256 } = model.decoderFile;
      const fresh = loaded !== decoderSha256;
      editors.post(panel, {
        type: MessageType.SmartSelectModel,
        card: model.card,
        cardPath: entry.uri.fsPath,
        decoderSha256,
        ...(fresh ? { decoder: toArrayBuffer(decoderBytes) } : {}),
        // A model without an image encoder (a click model) gets its input from the image in the webview.
        embeddings: model.encoder !== undefined,
      });
      if (!fresh || !model.encoder) return;
      const found = await host.find(model, document.uri);
      if (!found.cached && (await encodedInWebview(editors, panel, document, model, host, found, log))) return;
      const { embeddings, source, milliseconds } = found.cached ?? { ...(await host.encode(model, document.uri, found)), source: 'encoder' };
      editors.post(panel, {
        type: MessageType.SmartSelectEmbeddings,
        decoderSha256,
        width: embeddings.width,
        height: embeddings.height,
        tensors: embeddingTensors(embeddings),
        source,
        milliseconds,
      });
    } catch (error) {
      log.warn(`Smart Select on ${document.uri.fsPath}: ${errorMessage(error)}`);
      editors.post(panel, { type: MessageType.SmartSelectModel, error: errorMessage(error) });
    }
  });
}

/** Whether the webview computed (and now holds) the embeddings; false, with the reason in the log, when the host is to compute them. */
async function encodedInWebview(
  editors: MaskEditorProvider,
  panel: vscode.WebviewPanel,
  document: MaskDocument,
  model: PromptableModel,
  host: HostEmbeddings,
  found: Lookup,
  log: vscode.LogOutputChannel,
): Promise<boolean> {
  const reason = webgpuRefusalFor(editors.capabilitiesOf(panel));
  if (reason) {
    log.info(`Smart Select: encoding ${document.uri.fsPath} in the extension host: ${reason}`);
    return false;
  }
  try {
    const { provider, milliseconds } = await encodeInWebview(editors, panel, document, model, host, found);
    log.info(`Smart Select: ${document.uri.fsPath} encoded by ${model.card.name} on ${provider} in the editor in ${Math.round(milliseconds)} ms`);
    return true;
  } catch (error) {
    log.warn(`Smart Select: WebGPU in the editor could not encode ${document.uri.fsPath} (${errorMessage(error)}); encoding in the extension host instead`);
    return false;
  }
}
