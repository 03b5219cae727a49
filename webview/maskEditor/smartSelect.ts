/**
 * The Smart Select tool in the webview: prompts (points, boxes) become decoder requests
 * (core/editing/smartSelect.ts), the decoder runs here on ONNX Runtime Web (WASM), so a click
 * never waits on the host, and the best candidate shows as a preview in the current class's
 * colour; Enter commits it as one edit. The host sends the model's decoder and, for families with
 * an image encoder, the image's embeddings once per image (from its cache or its native encoder),
 * or asks this webview to run the encoder on WebGPU (SmartSelectEncode: used here at once, and
 * sent back for the host's cache). Prompts go through the core predictor, whatever the family;
 * only SAM's decoder is opened its own way.
 */
import { paletteFor } from '../../src/core/classes';
import type { PromptBox } from '../../src/core/model/promptable/sam';
import { SmartSelectState, type DecodeRequest, type SmartPrompt } from '../../src/core/editing/smartSelect';
import { errorMessage } from '../../src/core/errors';
import { openDecoderSession } from '../../src/core/model/promptable/decoderSession';
import { checkEncoderOutput, embeddingsFromMessage, embeddingTensors } from '../../src/core/model/promptable/embeddingTensors';
import { decodePrompt, encodeImage } from '../../src/core/model/promptable/predictor';
import type { Candidate, Embeddings } from '../../src/core/model/promptable/selection';
import type { PromptableCard } from '../../src/core/model/promptable/card';
import type { MultiSession } from '../../src/core/model/promptable/session';
import {
  MessageType,
  type FromWebviewMessage,
  type SmartSelectEmbeddingsMessage,
  type SmartSelectEncodeMessage,
  type SmartSelectModelMessage,
} from '../../src/core/protocol';
import { fill } from '../shared/strings';
import { WebEngine } from '../prelabel/engine';
import { fetchModel } from './webPrelabel';
import type { Editor } from './editor';

/** At most this much of a click model's spare masks is kept (16 masks of 1024x1024, 4 of 2048x2048). */
const SPARE_BYTES = 16 << 20;

/** dist/ort/ beside this bundle (dist/webview/maskEditor.js), as for pre-labeling. */
const WASM_BASE = new URL('../ort/', import.meta.url).href;

interface Model {
  card: PromptableCard;
  name: string;
  decoderSha256: string;
  decoder: Promise<MultiSession>;
  /** Undefined while the host or the WebGPU encoder here computes them (families with an encoder). */
  embeddings?: Embeddings;
  /** Where they came from ('webgpu', 'encoder', 'memory', 'disk') and the encoder's time, for the status line. */
  source?: { name: string; milliseconds: number };
  /** The encoder's run here on WebGPU, once per model however often the host asks. */
  encoding?: Promise<{ embeddings: Embeddings; provider: string }>;
  /** The decoder has run once on the embeddings: prompts are answered from now on. */
  warm: boolean;
  warming?: Promise<void>;
  /** Its decoder could not be opened or run. */
  failed?: boolean;
}

export class SmartSelect {
  private readonly state = new SmartSelectState();
  private engine?: WebEngine;
  /** For the image encoder: WebGPU only (without it the host's native encoder beats one WASM thread). */
  private gpu?: WebEngine;
  private model?: Model;
  /** Requests to run, in order, each with the time its prompt was given. */
  private readonly queue: Array<{ request: DecodeRequest; at: number }> = [];
  private running = false;
  /** Enter came while a request was still running: commit once it is answered. */
  private commitPending = false;
  /** Prompt-to-preview time of the candidate on show. */
  private lastMs: number | undefined;
  /**
   * A click model's masks that nothing holds any more (after a commit or a discard, or a superseded
   * answer): later answers are written into them, so clicks stop allocating image-sized masks.
   * Decodes run one at a time, so a mask given back is never read or written by one still running.
   */
  private readonly spare: Uint8Array[] = [];
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
      this.say(before.warm ? this.readyLine(before) : fill(this.editor.strings.smartSelect.loading, before.name));
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
      model.embeddings = embeddingsFromMessage(m, this.editor.grid.width, this.editor.grid.height, 'the embeddings from the host');
    } catch (error) {
      this.say(fill(this.editor.strings.smartSelect.failed, errorMessage(error)));
      return;
    }
    model.source = { name: m.source, milliseconds: m.milliseconds };
    void this.warmUp(model);
  }

  /** The host has no embeddings of this image cached: the encoder runs here on WebGPU, its result is used at once and sent back (or why not). */
  async onEncode(m: SmartSelectEncodeMessage): Promise<void> {
    const model = this.model;
    try {
      if (!model || model.decoderSha256 !== m.decoderSha256) throw new Error('the model is no longer the one in use in the editor');
      const start = performance.now();
      model.encoding ??= this.encodeOnGpu(model, m);
      const { embeddings, provider } = await model.encoding;
      const milliseconds = performance.now() - start;
      if (!model.embeddings) {
        model.embeddings = embeddings;
        model.source = { name: provider, milliseconds };
        void this.warmUp(model);
      }
      const { width, height } = embeddings;
      this.post({ type: MessageType.SmartSelectEncoded, requestId: m.requestId, width, height, tensors: embeddingTensors(embeddings), provider, milliseconds });
    } catch (error) {
      if (model?.decoderSha256 === m.decoderSha256) model.encoding = undefined; // the next request tries again
      this.post({ type: MessageType.SmartSelectEncoded, requestId: m.requestId, error: `${m.encoderName}: ${errorMessage(error)}` });
    }
  }

  /** The encoder from the host's message on WebGPU through the core encodeImage, on the image as drawn; its session is released after the one run. */
  private async encodeOnGpu(model: Model, m: SmartSelectEncodeMessage): Promise<{ embeddings: Embeddings; provider: string }> {
    const gpu = (this.gpu ??= new WebEngine({ wasmBase: WASM_BASE, providers: ['webgpu'] }));
    if ((await gpu.chosenProvider()) !== 'webgpu') throw new Error('WebGPU gives no adapter');
    if (!m.encoderBytes && !m.encoderUri) throw new Error(`the host sent neither ${m.encoderName} nor its address`);
    // ONNX Runtime Web starts its WebAssembly once and refuses a second start while the first runs (the decoder's session).
    await model.decoder.catch(() => undefined);
    const bytes = m.encoderBytes ? new Uint8Array(m.encoderBytes) : await fetchModel(m.encoderUri!);
    const encoder = await gpu.multiSession(bytes);
    try {
      const { width, height, data } = this.editor.imageRgba();
      const embeddings = await encodeImage(model.card, encoder, { width, height, channels: 4, data });
      checkEncoderOutput(model.card, encoder.io.outputs, embeddings, `${m.encoderName} on WebGPU`); // the host's rule, before they answer a click here
      return { embeddings, provider: encoder.provider };
    } finally {
      await encoder.release();
    }
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
      this.say(this.readyLine(model));
      void this.pump();
    })();
    return model.warming;
  }

  /** Prompts of the selection under way (0 when there is none). */
  get promptCount(): number {
    return this.state.promptCount;
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
    this.giveBack(this.state.candidates());
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

  /** Keeps click-model masks (their lowRes is the mask itself; SAM's masks are computed on demand) up to SPARE_BYTES. */
  private giveBack(candidates: readonly Candidate[]): void {
    for (const c of candidates) if (c.lowRes instanceof Uint8Array && (this.spare.length + 1) * c.lowRes.length <= SPARE_BYTES) this.spare.push(c.lowRes);
  }

  /** A kept mask of `pixels` values; masks of another image are dropped. */
  private spareMask(pixels: number): Uint8Array | undefined {
    for (let m = this.spare.pop(); m; m = this.spare.pop()) if (m.length === pixels) return m;
    return undefined;
  }

  /** Runs the queued requests one at a time (a session runs one call at a time), once the model is ready. */
  private async pump(): Promise<void> {
    const model = this.model;
    if (this.running || !model?.warm || !model.embeddings || this.queue.length === 0) return;
    this.running = true;
    const { request, at } = this.queue.shift()!;
    try {
      const decoder = await model.decoder;
      const into = model.card.family === 'clicks' ? this.spareMask(model.embeddings.width * model.embeddings.height) : undefined;
      const selection = await decodePrompt(model.card, decoder, model.embeddings, request.prompt, request.previous, 'Smart Select', { into });
      if (model === this.model && this.state.setResult(request, selection)) this.show(at);
      else this.giveBack(selection.candidates);
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
    } else if (this.model?.warm) this.say(this.readyLine(this.model));
    else this.changed();
  }

  /** The tool's idle line: the model, and where the image's embeddings came from. */
  private readyLine(model: Model): string {
    const s = this.editor.strings.smartSelect;
    const ready = fill(s.ready, model.name);
    return model.source ? `${ready} · ${fill(s.source, model.source.name, Math.round(model.source.milliseconds))}` : ready;
  }

  private say(message: string): void {
    this.message = message;
    this.changed();
  }
}
