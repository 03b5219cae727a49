import { deserializeDelta, serializeDelta, type MaskDelta } from '../../src/core/editing/delta';
import { numClassesOf } from '../../src/core/classes';
import {
  MessageType,
  PROTOCOL_VERSION,
  type DisagreementMessage,
  type FromWebviewMessage,
  type InitMessage,
  type MaskEditorStrings,
  type PredictionMessage,
  type ToWebviewMessage,
} from '../../src/core/protocol';
import { cleanupPanel } from './cleanupPanel';
import { el } from '../shared/dom';
import { adoptStylesheet, vscodeApi } from '../shared/page';
import { fill } from '../shared/strings';
import { Editor } from './editor';
import { Input } from './input';
import { MaskLayer } from './maskLayer';
import css from './maskEditor.css';
import { Palette } from './palette';
import { Toolbar } from './toolbar';
import { reportCapabilities, WebPrelabeler } from './webPrelabel';
import { SmartSelect } from './smartSelect';
import { storedImage } from './storedImage';
import { errorMessage } from '../../src/core/errors';
import { unhandled } from '../../src/core/messages';

const vscode = vscodeApi<FromWebviewMessage>();
const post = (message: FromWebviewMessage): void => vscode.postMessage(message);
adoptStylesheet(css);

const status = el('div', { id: 'status', role: 'status', 'aria-live': 'polite' }, 'Loading…');
const app = el('div', { id: 'app', 'aria-busy': 'true' }, status);
document.body.append(app);

let editor: Editor | undefined;
let prelabeler: WebPrelabeler | undefined;
let smartSelect: SmartSelect | undefined;
/** The host's localised strings, from Init. */
let strings: MaskEditorStrings | undefined;
let nextMessageId = 1;
let showPrediction: ((message: PredictionMessage) => void) | undefined;
let showDisagreement: ((message: DisagreementMessage) => void) | undefined;
/** Mask messages that arrive while the image still decodes (a host edit or a disagreement layer right after init): applied in order once the editor exists. */
const pending: MaskMessage[] = [];

async function loadImage(uri: string): Promise<ImageBitmap> {
  const response = await fetch(uri);
  if (!response.ok) throw new Error(`cannot load the image (${response.status})`);
  return storedImage(new Uint8Array(await response.arrayBuffer()));
}

async function start(init: InitMessage): Promise<void> {
  // The browser decodes the image off the main thread while the mask layer is built here.
  const decoding = loadImage(init.imageUri);
  const layer = new MaskLayer({ width: init.width, height: init.height, data: new Uint8Array(init.mask) }, init.classes, init.ignoreIndex);
  const image = await decoding;
  if (image.width !== init.width || image.height !== init.height) {
    throw new Error(`the image decodes to ${image.width}x${image.height}, the mask is ${init.width}x${init.height}`);
  }
  const canvas = el('canvas', { id: 'mask-canvas', tabindex: '0', 'aria-label': fill(init.strings.maskOf, init.imageName) });
  const overlay = el('canvas', { id: 'overlay-canvas', 'aria-hidden': 'true' });
  const stage = el('div', { id: 'stage' }, canvas, overlay);
  const ed = new Editor(canvas, image, layer, init.classes, init.ignoreIndex, init.strings, (label: string, delta: MaskDelta) =>
    post({ type: MessageType.Edit, messageId: nextMessageId++, label, delta: serializeDelta(delta) }),
  );
  const view = {
    fit: () => {
      ed.vp.fit(canvas.clientWidth, canvas.clientHeight);
      ed.redrawAll();
    },
    actualSize: () => {
      ed.vp.actualSize(canvas.clientWidth, canvas.clientHeight);
      ed.redrawAll();
    },
    toggleMask: () => {
      ed.renderer.showMask = !ed.renderer.showMask;
      toolbar.refresh();
      ed.redrawAll();
    },
    toggleOutline: () => {
      ed.layer.setOutline(!ed.layer.outline);
      toolbar.refresh();
      ed.redrawAll();
    },
    toggleConfidence: () => {
      if (!ed.confidence.canvas) return;
      ed.confidence.visible = !ed.confidence.visible;
      toolbar.refresh();
      ed.redrawAll();
    },
    toggleDisagreement: () => {
      if (ed.disagreement.count === undefined) return;
      ed.disagreement.visible = !ed.disagreement.visible;
      toolbar.refresh();
      ed.redrawAll();
    },
  };
  const smart = new SmartSelect(ed, post, () => {
    input.updateStatus();
    input.drawOverlay();
  });
  // Another tool or class discards Smart Select's prompts (a new image is a new webview).
  const toolbar = new Toolbar(ed, view, (tool, before) => {
    if (before === 'smartSelect') smart.discard();
    if (tool === 'smartSelect') smart.activate();
    input.updateStatus();
  });
  const palette = new Palette(ed, () => {
    smart.discard();
    input.updateStatus();
  });
  const input = new Input(ed, canvas, overlay, status, toolbar, palette, view, smart);
  ed.onRepaint = () => {
    palette.refresh();
    toolbar.refreshDisagreement();
    input.drawOverlay();
  };
  app.replaceChildren(toolbar.element, el('div', { id: 'main' }, stage, el('aside', { id: 'side' }, palette.element, cleanupPanel(ed))), status);
  new ResizeObserver(() => {
    if (!ed.renderer.resize()) return;
    if (ed.vp.fitted) ed.vp.fit(canvas.clientWidth, canvas.clientHeight);
    ed.redrawAll();
  }).observe(stage);
  ed.renderer.resize();
  view.fit();
  input.updateStatus();
  editor = ed;
  smartSelect = smart;
  prelabeler = new WebPrelabeler(() => ed.imageRgba(), init.classes, init.ignoreIndex, post);
  showPrediction = (p) => {
    ed.confidence.set(new Uint8Array(p.confidence), p.width, p.height, p.threshold);
    toolbar.refresh();
    ed.redrawAll();
    status.textContent = fill(init.strings.preLabeled, p.provider, Math.round(p.milliseconds), p.changedPixels.toLocaleString());
  };
  showDisagreement = (d) => {
    ed.disagreement.set(d.model, new Uint8Array(d.prediction), ed.grid, numClassesOf(init.classes), init.ignoreIndex);
    toolbar.refresh();
    ed.redrawAll();
  };
  for (const message of pending.splice(0)) applyToMask(ed, message);
  app.setAttribute('aria-busy', 'false');
  // Only now: the host takes this message to mean the editor is ready (e.g. to pre-label on open).
  void reportCapabilities(post);
}

/** Whether per-pixel data sent for the image has the mask's size. */
function fits(ed: Editor, size: { width: number; height: number }, pixels: ArrayBuffer): boolean {
  return size.width === ed.grid.width && size.height === ed.grid.height && pixels.byteLength === size.width * size.height;
}

type MaskMessage = Extract<ToWebviewMessage, { type: MessageType.ApplyDelta | MessageType.ReplaceMask | MessageType.Prediction | MessageType.Disagreement }>;
const MASK_MESSAGES: ReadonlySet<MessageType> = new Set([MessageType.ApplyDelta, MessageType.ReplaceMask, MessageType.Prediction, MessageType.Disagreement]);
const isMaskMessage = (message: ToWebviewMessage): message is MaskMessage => MASK_MESSAGES.has(message.type);

function onMessage(message: ToWebviewMessage): void {
  if (isMaskMessage(message)) {
    if (editor) applyToMask(editor, message);
    else pending.push(message);
    return;
  }
  switch (message.type) {
    case MessageType.Init:
      if (editor) return; // a reloaded webview gets a fresh page, so a second init is a duplicate
      strings = message.strings;
      start(message).catch((error: unknown) => {
        status.textContent = fill(message.strings.cannotOpen, errorMessage(error));
        app.setAttribute('aria-busy', 'false');
      });
      break;
    case MessageType.Reply:
      if (message.error && strings) status.textContent = fill(strings.editRefused, message.error);
      break;
    case MessageType.RunModel:
      if (prelabeler) void prelabeler.run(message);
      else post({ type: MessageType.ModelResult, requestId: message.requestId, error: 'the mask editor is still loading' });
      break;
    case MessageType.CancelModel:
      prelabeler?.cancel(message.requestId);
      break;
    case MessageType.SmartSelectModel:
      smartSelect?.onModel(message);
      break;
    case MessageType.SmartSelectEmbeddings:
      smartSelect?.onEmbeddings(message);
      break;
    case MessageType.SmartSelectEncode:
      if (smartSelect) void smartSelect.onEncode(message);
      else post({ type: MessageType.SmartSelectEncoded, requestId: message.requestId, error: 'the mask editor is still loading' });
      break;
    default:
      unhandled(message);
  }
}

function applyToMask(ed: Editor, message: MaskMessage): void {
  switch (message.type) {
    case MessageType.ApplyDelta:
      ed.applyRemote(deserializeDelta(message.delta, ed.grid.width, ed.grid.height), message.direction);
      break;
    case MessageType.ReplaceMask:
      ed.replaceMask(new Uint8Array(message.mask));
      break;
    case MessageType.Prediction:
      if (fits(ed, message, message.confidence)) showPrediction?.(message);
      break;
    case MessageType.Disagreement:
      if (fits(ed, message, message.prediction)) showDisagreement?.(message);
      break;
    default:
      unhandled(message);
  }
}

window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => onMessage(event.data));
post({ type: MessageType.Ready, version: PROTOCOL_VERSION });
