/**
 * The "Dataset mIoU" view: summary, per-class table, confusion heatmap, worst images and model
 * history for the results the host sends (src/core/miouProtocol.ts). The host replays its last
 * message when the view is shown again; UI choices (sorting, filters) persist with setState.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import {
  MIOU_PROTOCOL_VERSION,
  MiouMessageType,
  parseTrainingMessage,
  type EmptyMessage,
  type FromMiouWebviewMessage,
  type MiouChoices,
  type MiouSelection,
  type ReportFormat,
  type ResultsMessage,
  type ToMiouWebviewMessage,
} from '../../src/core/miouProtocol';
import { el, select } from '../shared/dom';
import { fill } from '../shared/strings';
import { adoptStylesheet, vscodeApi } from '../shared/page';
import { classTable, type Sort } from './classTable';
import { count, pct } from './format';
import { Heatmap } from './heatmap';
import { comparePanel, drawHistory } from './historyChart';
import css from './miouView.css';
import { setStrings, strings } from './strings';
import { TrainingView } from './trainingChart';
import { FIRST_PAGE, worstList, type WorstOptions } from './worstList';
import { errorMessage } from '../../src/core/errors';
import { unhandled } from '../../src/core/messages';

interface UiState {
  sort: Sort;
  worst: WorstOptions;
  compare: [number, number];
  closed: string[];
}

const vscode = vscodeApi<FromMiouWebviewMessage, UiState>();
const post = (message: FromMiouWebviewMessage): void => vscode.postMessage(message);
const ui: UiState = {
  sort: { key: 'iou', descending: false },
  worst: { classFilter: '', shown: FIRST_PAGE, showDisagreement: true },
  compare: [-2, -1],
  closed: [],
  ...vscode.getState(),
};
const save = () => vscode.setState(ui);

adoptStylesheet(css);

const status = el('div', { id: 'status', role: 'status', 'aria-live': 'polite' });
const progress = el('progress', { id: 'progress', max: '1', hidden: '' });
const content = el('div', { id: 'content' }, el('p', { class: 'hint' }, 'Loading…'));
const app = el('div', { id: 'app', 'aria-busy': 'true' }, progress, content, status);
document.body.append(app);

const heatmap = new Heatmap();
const historyCanvas = el('canvas', { id: 'history-chart', role: 'img' });
const training = new TrainingView();
let current: ResultsMessage | EmptyMessage | undefined;
let running = false;
let nextId = 1;
/** Messages that arrive before the host's strings (its answer to Ready): handled in order once they are here. */
let pending: ToMiouWebviewMessage[] | undefined = [];

function selectors(choices: MiouChoices, selection: MiouSelection | undefined): HTMLElement {
  const t = strings().main;
  const row = el('div', { class: 'row toolbar' });
  const add = (key: keyof MiouSelection, label: string, options: Array<[string, string]>) => {
    if (options.length === 0 || (key === 'dataset' && options.length < 2)) return;
    const s = select(label, options, selection?.[key] ?? options[0][0]);
    s.id = `select-${key}`;
    s.addEventListener('change', () => post({ type: MiouMessageType.Select, messageId: nextId++, selection: { [key]: s.value } }));
    row.append(el('label', { class: 'field' }, el('span', {}, label), s));
  };
  add(
    'dataset',
    t.dataset,
    choices.datasets.map((d) => [d.key, d.name]),
  );
  add(
    'model',
    t.model,
    choices.models.map((m) => [m, m]),
  );
  add(
    'split',
    t.split,
    choices.splits.map((s) => [s, s]),
  );
  const compute = el('vscode-button', { id: 'compute', title: t.computeTitle }, running ? t.cancel : t.compute);
  compute.addEventListener('click', () => post(running ? { type: MiouMessageType.Cancel } : { type: MiouMessageType.Compute, messageId: nextId++ }));
  row.append(compute);
  return row;
}

function section(id: string, title: string, ...children: Node[]): HTMLElement {
  const c = el('vscode-collapsible', { id: `section-${id}`, title });
  c.open = !ui.closed.includes(id);
  c.addEventListener('vsc-collapsible-toggle', () => {
    ui.closed = c.open ? ui.closed.filter((x) => x !== id) : [...new Set([...ui.closed, id])];
    save();
    if (c.open) redrawCanvases();
  });
  c.append(el('div', { class: 'section-body' }, ...children));
  return c;
}

function stat(label: string, value: string, title = ''): HTMLElement {
  return el('div', { class: 'stat', title }, el('div', { class: 'value' }, value), el('div', { class: 'label' }, label));
}

function renderResults(m: ResultsMessage): void {
  const s = m.summary;
  const t = strings().main;
  const summary = el(
    'div',
    { id: 'summary' },
    stat(t.miou, pct(s.miou, 2), t.miouTitle),
    stat(t.pixelAccuracy, pct(s.pixelAccuracy, 2)),
    stat(t.meanAccuracy, pct(s.meanAccuracy, 2)),
    stat(t.imagesCompared, String(s.images), fill(t.pixelsScored, count(s.pixels), count(s.ignoredPixels))),
    stat(t.missing, String(s.missing)),
    ...(s.problems > 0 ? [stat(t.notScored, String(s.problems), t.notScoredTitle)] : []),
  );
  const table = classTable(m.classes, m.perClass, ui.sort, (sort) => {
    ui.sort = sort;
    save();
    render();
  });
  heatmap.update(m.matrix, m.classes);
  const worst = worstList(
    m.images,
    m.classes,
    ui.worst,
    (o) => {
      ui.worst = o;
      save();
      render();
    },
    (name, showDisagreement) => post({ type: MiouMessageType.OpenImage, name, showDisagreement }),
  );
  const history =
    m.history.length > 0
      ? [
          historyCanvas,
          ...(m.history.length > 1
            ? [
                comparePanel(m.history, resolveCompare(m.history.length), (c) => {
                  ui.compare = c;
                  save();
                  render();
                }),
              ]
            : []),
        ]
      : [el('p', { class: 'hint' }, t.historyHint)];
  const exportRow = el(
    'div',
    { class: 'row' },
    el('span', {}, t.export),
    ...(['markdown', 'csv', 'json'] as ReportFormat[]).map((format) => {
      const b = el('vscode-button', { secondary: '', 'data-format': format }, format === 'markdown' ? t.markdown : format.toUpperCase());
      b.addEventListener('click', () => post({ type: MiouMessageType.Export, format }));
      return b;
    }),
  );
  content.replaceChildren(
    selectors(m.choices, m.selection),
    summary,
    ...(m.classMapping ? [el('p', { id: 'class-mapping', class: 'hint' }, fill(t.classMapping, m.classMapping))] : []),
    // Two columns in a wide view (CSS), one in a narrow sidebar.
    el(
      'div',
      { class: 'sections' },
      section('classes', t.classes, table),
      section('matrix', t.matrix, heatmap.element),
      section('worst', t.worst, worst),
      section('history', t.history, ...history),
      ...trainingSection(),
    ),
    exportRow,
  );
  status.textContent = fill(t.updated, m.selection.model, m.selection.split, new Date(m.computedAt).toLocaleTimeString(), m.seconds.toFixed(2), m.rescored);
  redrawCanvases();
}

/** Negative indices count from the end: the default compares the last two versions. */
function resolveCompare(n: number): [number, number] {
  return ui.compare.map((i) => (i < 0 ? n + i : i)).map((i) => Math.max(0, Math.min(n - 1, i))) as [number, number];
}

/** Loss and val-mIoU curves of the followed job and of the selected model; left out when there are none. */
function trainingSection(): HTMLElement[] {
  return training.hasContent ? [section('training', strings().main.training, training.element)] : [];
}

function renderEmpty(m: EmptyMessage): void {
  content.replaceChildren(
    selectors(m.choices, m.selection),
    el('div', { id: 'empty', class: `empty ${m.reason}` }, el('p', {}, m.message)),
    ...trainingSection(),
  );
  status.textContent = '';
  redrawCanvases();
}

function render(): void {
  if (current?.type === MiouMessageType.Results) renderResults(current);
  else if (current) renderEmpty(current);
  app.setAttribute('aria-busy', String(running || !current));
}

function redrawCanvases(): void {
  requestAnimationFrame(() => {
    heatmap.draw();
    if (training.hasContent) training.draw();
    if (current?.type === MiouMessageType.Results && current.history.length > 0)
      drawHistory(historyCanvas, current.history, Math.max(160, historyCanvas.parentElement?.clientWidth ?? 300));
  });
}

function onMessage(m: ToMiouWebviewMessage): void {
  if (pending && m.type !== MiouMessageType.Strings) {
    pending.push(m);
    return;
  }
  switch (m.type) {
    case MiouMessageType.Strings: {
      setStrings(m.strings);
      const held = pending ?? [];
      pending = undefined;
      for (const message of held) onMessage(message);
      break;
    }
    case MiouMessageType.Results:
    case MiouMessageType.Empty:
      current = m;
      render();
      break;
    case MiouMessageType.Progress: {
      const changed = running !== m.running;
      running = m.running;
      progress.hidden = !m.running;
      progress.value = m.total > 0 ? m.done / m.total : 0;
      if (changed) render();
      if (m.running && m.total > 0) status.textContent = fill(strings().main.computing, m.done, m.total);
      break;
    }
    case MiouMessageType.Training: {
      let parsed;
      try {
        parsed = parseTrainingMessage(m);
      } catch (error) {
        status.textContent = fill(strings().main.trainingNotShown, errorMessage(error));
        break;
      }
      const had = training.hasContent;
      training.update(parsed);
      // The section appears or goes: render; else it was updated in place.
      if (had !== training.hasContent) render();
      else redrawCanvases();
      break;
    }
    case MiouMessageType.Reply:
      if (m.error) status.textContent = fill(strings().main.failed, m.error);
      break;
    default:
      unhandled(m);
  }
}

new ResizeObserver(() => redrawCanvases()).observe(content);
window.addEventListener('message', (event: MessageEvent<ToMiouWebviewMessage>) => onMessage(event.data));
post({ type: MiouMessageType.Ready, version: MIOU_PROTOCOL_VERSION });
