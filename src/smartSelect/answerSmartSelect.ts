/**
 * The host's side of the Smart Select tool: when a mask editor's webview chooses it, the active
 * promptable model's card and decoder go to the webview (which runs the decoder per prompt), then,
 * for a model with an image encoder, the image's embeddings, computed here on native ONNX Runtime,
 * once per image and model. Without a promptable model the webview is told what to do.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import { MessageType, toArrayBuffer } from '../core/protocol';
import type { MaskEditorProvider } from '../editor/maskEditorProvider';
import type { ModelRegistry } from '../prelabel/modelRegistry';
import type { HostEmbeddings } from './hostEmbeddings';

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
      const { embeddings, source, milliseconds } = await host.embeddings(model, document.uri);
      editors.post(panel, {
        type: MessageType.SmartSelectEmbeddings,
        decoderSha256,
        width: embeddings.width,
        height: embeddings.height,
        tensors: Object.entries(embeddings.tensors).map(([name, t]) => ({
          name,
          dims: t.dims,
          data: toArrayBuffer(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
        })),
        source,
        milliseconds,
      });
    } catch (error) {
      log.warn(`Smart Select on ${document.uri.fsPath}: ${errorMessage(error)}`);
      editors.post(panel, { type: MessageType.SmartSelectModel, error: errorMessage(error) });
    }
  });
}
