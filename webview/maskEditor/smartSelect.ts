/**
 * The Smart Select tool in the webview: prompts (points, boxes) become decoder requests
 * (core/editing/smartSelect.ts), the decoder runs here on ONNX Runtime Web (WASM), so a click
 * never waits on the host, and the best candidate shows as a preview in the current class's
 * colour; Enter commits it as one edit. The host sends the model's decoder and, for families with
 * an image encoder, the image's embeddings once per image (it runs the encoder natively). Prompts
 * go through the core predictor, whatever the family; only SAM's decoder is opened its own way.
 */
import { paletteFor } from '../../src/core/classes';
import type { PromptBox } from '../../src/core/model/promptable/sam';
import { SmartSelectState, type DecodeRequest, type SmartPrompt } from '../../src/core/editing/smartSelect';
import { errorMessage } from '../../src/core/errors';
import { openDecoderSession } from '../../src/core/model/promptable/decoderSession';
import { decodePrompt, encodeImage } from '../../src/core/model/promptable/predictor';
import type { Embeddings } from '../../src/core/model/promptable/selection';
import type { PromptableCard } from '../../src/core/model/promptable/card';
import type { MultiSession } from '../../src/core/model/promptable/session';
import { MessageType, type FromWebviewMessage, type SmartSelectEmbeddingsMessage, type SmartSelectModelMessage } from '../../src/core/protocol';
import { fill } from '../shared/strings';
import { WebEngine } from '../prelabel/engine';
import type { Editor } from './editor';

/** dist/ort/ beside this bundle (dist/webview/maskEditor.js), as for pre-labeling. */
const WASM_BASE = new URL('../ort/', import.meta.url).href;

interface Model {
  card: PromptableCard;
  name: string;
  decoderSha256: string;
  decoder: Promise<MultiSession>;
  /** Undefined while the host computes them (families with an encoder). */
  embeddings?: Embeddings;
  /** The decoder has run once on the embeddings: prompts are answered from now on. */
  warm: boolean;
  warming?: Promise<void>;
  /** Its decoder could not be opened or run. */
  failed?: boolean;
}

/** The embeddings in a host message, checked against the image. */
function embeddingsOf(m: SmartSelectEmbeddingsMessage, width: number, height: number): Embeddings {
  if (m.width !== width || m.height !== height) throw new Error(`embeddings for a ${m.width}x${m.height} image, this one is ${width}x${height}`);
  const tensors: Embeddings['tensors'] = {};
  for (const t of m.tensors) {
    const dims = Array.isArray(t.dims) && t.dims.every((d) => Number.isInteger(d) && d > 0) ? t.dims : [NaN];
    const size = dims.reduce((a, b) => a * b, 1);
    if (typeof t.name !== 'string' || !(t.data instanceof ArrayBuffer) || t.data.byteLength !== size * 4)
      throw new Error(`embedding "${t.name}" does not hold [${t.dims.join(', ')}] float32 values`);
    tensors[t.name] = { data: new Float32Array(t.data), dims: t.dims };
  }
  return { width, height, tensors };
}

export class SmartSelect {
  private readonly state = new SmartSelectState();
  private engine?: WebEngine;
  private model?: Model;
  /** Requests to run, in order, each with the time its prompt was given. */
  private readonly queue: Array<{ request: DecodeRequest; at: number }> = [];
  private running = false;
  /** Enter came while a request was still running: commit once it is answered. */
  private commitPending = false;
  /** Prompt-to-preview time of the candidate on show. */
  private lastMs: number | undefined;
  /** The tool's line for the status bar; undefined when it has nothing to say. */
  message: string | undefined;

  constructor(
    private readonly editor: Editor,
    private readonly post: (message: FromWebviewMessage) => void,
    /** Called when `message` or the prompts change. */
    private readonly changed: () => void,
  ) {}

  get prompts(): readonly SmartPrompt[] {
    return this.state.prompts;
  }

  /** The tool was chosen: ask the host for the active model (it may have changed) and the image's embeddings. */
  activate(): void {
    this.say(fill(this.editor.strings.smartSelect.loading, this.model?.name ?? '…'));
    const loaded = this.model?.warm && this.model.decoderSha256;
    this.post({ type: MessageType.SmartSelectStart, ...(loaded ? { loaded } : {}) });
  }

  onModel(m: SmartSelectModelMessage): void {
    if ('error' in m) {
      this.model = undefined;
      this.discard();
      this.say(fill(this.editor.strings.smartSelect.failed, m.error));
      return;
    }
    const before = this.model;
    if (before && !before.failed && before.decoderSha256 === m.decoderSha256) {
      this.say(fill(this.editor.strings.smartSelect[before.warm ? 'ready' : 'loading'], before.name));
      return;
    }
    this.discard();
    if (before) void this.release(before);
    const model: Model = { card: m.card, name: m.card.name, decoderSha256: m.decoderSha256, decoder: this.openDecoder(m), warm: false };
    model.decoder.catch((error: unknown) => this.fail(model, `${m.cardPath}: ${errorMessage(error)}`));
    this.model = model;
    this.say(fill(this.editor.strings.smartSelect.loading, m.card.name));
    if (!m.embeddings) void this.encodeHere(model);
  }

  /** SAM's decoder is opened as the host opens it: with its graph without `masks` for the prompts after the first (decoderSession.ts). */
  private openDecoder(m: Extract<SmartSelectModelMessage, { card: unknown }>): Promise<MultiSession> {
    if (!m.decoder) return Promise.reject(new Error('the host did not send the decoder'));
    const engine = (this.engine ??= new WebEngine({ wasmBase: WASM_BASE, providers: ['wasm'] }));
    const create = (bytes: Uint8Array) => engine.multiSession(bytes);
    const bytes = new Uint8Array(m.decoder);
    return m.card.family === 'sam' ? openDecoderSession(bytes, m.card.decoder.outputs.masks, create) : create(bytes);
  }

  /** The model cannot answer: the next activation opens it again. */
  private fail(model: Model, why: string): void {
    model.failed = true;
    if (model === this.model) this.say(fill(this.editor.strings.smartSelect.failed, why));
  }

  /** Releases a model's decoder once no prompt runs on it. */
  private async release(model: Model): Promise<void> {
    const decoder = await model.decoder.catch(() => undefined);
    await this.idle();
    await decoder?.release();
  }

  private async idle(): Promise<void> {
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** A model without an image encoder (a click model): the core predictor makes its input from the image as drawn. */
  private async encodeHere(model: Model): Promise<void> {
    try {
      const { width, height, data } = this.editor.imageRgba();
      model.embeddings = await encodeImage(model.card, undefined, { width, height, channels: 4, data });
      await this.warmUp(model);
    } catch (error) {
      this.say(fill(this.editor.strings.smartSelect.failed, errorMessage(error)));
    }
  }

  onEmbeddings(m: SmartSelectEmbeddingsMessage): void {
    const model = this.model;
    if (!model || model.decoderSha256 !== m.decoderSha256) return; // for a model no longer active
    try {
      model.embeddings = embeddingsOf(m, this.editor.grid.width, this.editor.grid.height);
    } catch (error) {
      this.say(fill(this.editor.strings.smartSelect.failed, errorMessage(error)));
      return;
    }
    void this.warmUp(model);
  }

  /**
   * Creating the WASM session and its first run take seconds (22 s on the loaded test machine):
   * done before the tool says it is ready, with a prompt at the image's centre whose answer is
   * dropped, so the first click is as quick as the next.
   */
  private warmUp(model: Model): Promise<void> {
    model.warming ??= (async () => {
      const { embeddings } = model;
      if (!embeddings) return;
      await this.idle(); // a prompt of the model before
      this.running = true;
      try {
        const centre = { x: Math.floor(embeddings.width / 2), y: Math.floor(embeddings.height / 2), positive: true };
        await decodePrompt(model.card, await model.decoder, embeddings, { points: [centre] }, undefined, 'Smart Select');
      } catch (error) {
        this.fail(model, errorMessage(error));
        return;
      } finally {
        this.running = false;
      }
      model.warm = true;
      if (model !== this.model) return;
      this.say(fill(this.editor.strings.smartSelect.ready, model.name));
      void this.pump();
    })();
    return model.warming;
  }

  /** A click: positive adds, negative removes. (x, y) in image pixels. */
  addPoint(x: number, y: number, positive: boolean): void {
    this.add({ kind: 'point', x, y, positive });
  }

  addBox(box: PromptBox): void {
    this.add({ kind: 'box', ...box });
  }

  private add(prompt: SmartPrompt): void {
    if (!this.model) return; // the status line says why there is none
    const { width, height } = this.editor.grid;
    const inside = (x: number, y: number) => x >= 0 && y >= 0 && x <= width && y <= height;
    if (prompt.kind === 'point' ? !inside(prompt.x, prompt.y) : !inside(prompt.x0, prompt.y0) || !inside(prompt.x1, prompt.y1)) return;
    this.enqueue(this.state.add(prompt));
  }

  /** Backspace: the last prompt goes, the candidate before it comes back. */
  removeLast(): void {
    if (this.state.promptCount === 0) return;
    this.state.removeLast();
    if (this.state.promptCount === 0) return this.discard();
    const again = this.state.reask();
    if (again) this.enqueue(again);
    this.show();
  }

  /** Tab. */
  cycle(): void {
    this.state.cycle();
    this.show();
  }

  /** Enter or double-click: the candidate on show goes to the mask as one edit. */
  commit(): void {
    if (this.running || this.queue.length > 0) {
      this.commitPending = true;
      return;
    }
    this.commitPending = false;
    const candidate = this.state.current();
    if (!candidate) return;
    this.editor.commitSelection(candidate.mask);
    this.discard();
  }

  /** Esc, or another image, tool or class: the prompts and the preview go. */
  discard(): void {
    this.state.clear();
    this.queue.length = 0;
    this.commitPending = false;
    this.show();
  }

  private enqueue(request: DecodeRequest): void {
    this.queue.push({ request, at: performance.now() });
    this.changed();
    void this.pump();
  }

  /** Runs the queued requests one at a time (a session runs one call at a time), once the model is ready. */
  private async pump(): Promise<void> {
    const model = this.model;
    if (this.running || !model?.warm || !model.embeddings || this.queue.length === 0) return;
    this.running = true;
    const { request, at } = this.queue.shift()!;
    try {
      const decoder = await model.decoder;
      const selection = await decodePrompt(model.card, decoder, model.embeddings, request.prompt, request.previous, 'Smart Select');
      if (model === this.model && this.state.setResult(request, selection)) this.show(at);
    } catch (error) {
      this.say(fill(this.editor.strings.smartSelect.failed, errorMessage(error)));
    } finally {
      this.running = false;
      if (this.queue.length > 0) void this.pump();
      else if (this.commitPending) this.commit();
    }
  }

  /** Draws the candidate on show now, in this frame; `promptAt`: when its prompt was given, for the prompt-to-preview time. */
  private show(promptAt?: number): void {
    const candidate = this.state.current();
    const color = paletteFor(this.editor.classes, this.editor.ignoreIndex)[this.editor.classId];
    const rect = this.editor.preview.show(candidate?.mask, color);
    if (rect) {
      this.editor.invalidate(rect);
      this.editor.flush();
    }
    const shown = this.state.shown();
    const s = this.editor.strings.smartSelect;
    if (candidate && shown) {
      const time = promptAt === undefined ? this.lastMs : performance.now() - promptAt;
      this.lastMs = time;
      this.say(fill(s.preview, this.state.promptCount, shown.index + 1, shown.count, candidate.score.toFixed(3), time === undefined ? '?' : Math.round(time)));
    } else if (this.model?.warm) this.say(fill(s.ready, this.model.name));
    else this.changed();
  }

  private say(message: string): void {
    this.message = message;
    this.changed();
  }
}
