import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import type { BrushShape } from '../../src/core/editing/brush';
import type { FillRule } from '../../src/core/editing/polygon';
import { clamp, el, numberField, select } from '../shared/dom';
import { fill } from '../shared/strings';
import type { Editor } from './editor';
import { TOOLS, type ToolId } from './tools';

export const MAX_BRUSH = 256;

/** What the view buttons and their keys do. */
export interface ViewActions {
  fit(): void;
  actualSize(): void;
  toggleMask(): void;
  toggleOutline(): void;
  toggleConfidence(): void;
  toggleDisagreement(): void;
}

/** The tool bar: tools, brush, view and protect controls. `refresh` re-syncs it with the editor. */
export class Toolbar {
  readonly element: HTMLElement;
  private readonly toolButtons = new Map<ToolId, HTMLElementTagNameMap['vscode-toolbar-button']>();
  private readonly size: HTMLElementTagNameMap['vscode-textfield'];
  private readonly protect: HTMLElementTagNameMap['vscode-single-select'];
  private readonly maskToggle: HTMLElementTagNameMap['vscode-toolbar-button'];
  private readonly outline: HTMLElementTagNameMap['vscode-toolbar-button'];
  private readonly confidence: HTMLElementTagNameMap['vscode-toolbar-button'];
  private readonly disagreement: HTMLElementTagNameMap['vscode-toolbar-button'];
  private readonly disagreementCount: HTMLElement;
  private readonly uncertain: HTMLElement;
  private readonly uncertainSlider: HTMLInputElement;

  constructor(
    private readonly editor: Editor,
    actions: ViewActions,
    /** Called when another tool is chosen, after `editor.tool` changed. */
    private readonly onToolChange: (tool: ToolId, before: ToolId) => void = () => undefined,
  ) {
    const s = editor.strings.toolbar;
    const tools = el('div', { class: 'group', role: 'group', 'aria-label': s.tools });
    for (const t of TOOLS) {
      const label = editor.strings.tools[t.id];
      const b = el('vscode-toolbar-button', { icon: t.icon, 'data-tool': t.id, 'aria-label': label, title: label, toggleable: '' });
      b.label = label;
      b.addEventListener('click', () => this.setTool(t.id));
      this.toolButtons.set(t.id, b);
      tools.append(b);
    }
    const shape = select(
      s.brushShape,
      [
        ['round', s.round],
        ['square', s.square],
      ],
      editor.brush.shape,
    );
    shape.addEventListener('change', () => (editor.brush.shape = shape.value as BrushShape));
    this.size = numberField(s.brushSize, editor.brush.size, 1, MAX_BRUSH);
    this.size.addEventListener('change', () => this.setBrushSize(Number(this.size.value)));
    const opacity = el('input', {
      type: 'range',
      min: '0',
      max: '100',
      value: String(editor.renderer.opacity * 100),
      'aria-label': s.opacity,
      title: s.opacity,
    });
    opacity.addEventListener('input', () => {
      editor.renderer.opacity = Number(opacity.value) / 100;
      editor.redrawAll();
    });
    this.maskToggle = this.action('eye', 'toggle-mask', s.showMask, actions.toggleMask, true);
    this.outline = this.action('primitive-square', 'outline', s.outline, actions.toggleOutline, true);
    this.confidence = this.action('layers', 'toggle-confidence', s.confidence, actions.toggleConfidence, true);
    this.disagreement = this.action('diff', 'toggle-disagreement', s.disagreement, actions.toggleDisagreement, true);
    this.disagreementCount = el('span', { id: 'disagreement-count', class: 'field', role: 'status' });
    this.uncertainSlider = el('input', { type: 'range', min: '0', max: '100', id: 'uncertain-below', 'aria-label': s.uncertainBelow, title: s.uncertainBelow });
    this.uncertainSlider.addEventListener('input', () => {
      editor.confidence.setThreshold(Math.round((Number(this.uncertainSlider.value) / 100) * 255));
      editor.redrawAll();
    });
    this.uncertain = el('label', { class: 'field' }, s.uncertainBelowLabel, this.uncertainSlider);
    const tolerance = numberField(s.tolerance, editor.tolerance, 0, 255);
    tolerance.addEventListener('change', () => (editor.tolerance = clamp(Number(tolerance.value) || 0, 0, 255)));
    const rule = select(
      s.fillRule,
      [
        ['evenodd', s.evenOdd],
        ['nonzero', s.nonzero],
      ],
      editor.fillRule,
    );
    rule.addEventListener('change', () => (editor.fillRule = rule.value as FillRule));
    this.protect = select(s.protect, this.protectOptions(), 'all');
    this.protect.addEventListener('change', () => {
      const v = this.protect.value;
      editor.onlyValue = v === 'all' ? undefined : Number(v);
    });
    this.element = el(
      'div',
      { id: 'toolbar', role: 'toolbar', 'aria-label': s.toolbar },
      tools,
      el('div', { class: 'group', role: 'group', 'aria-label': s.brush }, shape, this.size),
      el(
        'div',
        { class: 'group', role: 'group', 'aria-label': s.view },
        el('label', { class: 'field' }, s.opacityLabel, opacity),
        this.maskToggle,
        this.outline,
        this.disagreement,
        this.disagreementCount,
        this.confidence,
        this.uncertain,
        this.action('screen-full', 'fit', s.fit, actions.fit),
        this.action('zoom-in', 'actual-size', s.actualSize, actions.actualSize),
      ),
      el('div', { class: 'group', role: 'group', 'aria-label': s.options }, el('label', { class: 'field' }, s.toleranceLabel, tolerance), rule, this.protect),
    );
    this.refresh();
  }

  private protectOptions(): Array<[string, string]> {
    const s = this.editor.strings.toolbar;
    return [
      ['all', s.paintOverAll],
      ['0', s.paintOverUnlabeled],
      ...this.editor.classes.filter((c) => c.id !== 0).map((c): [string, string] => [String(c.id), fill(s.paintOverClass, c.name)]),
    ];
  }

  private action(icon: string, id: string, label: string, run: () => void, toggle = false): HTMLElementTagNameMap['vscode-toolbar-button'] {
    const b = el('vscode-toolbar-button', { icon, 'data-action': id, 'aria-label': label, title: label });
    if (toggle) b.toggleable = true;
    b.label = label;
    b.addEventListener('click', run);
    return b;
  }

  setTool(tool: ToolId): void {
    const before = this.editor.tool;
    if (before === 'polygon' && tool !== 'polygon') this.editor.cancelPolygon();
    this.editor.tool = tool;
    if (tool === 'wand') this.editor.prepareWand();
    if (tool !== before) this.onToolChange(tool, before);
    this.refresh();
  }

  setBrushSize(size: number): void {
    this.editor.brush.size = clamp(Math.round(size) || 1, 1, MAX_BRUSH);
    this.refresh();
  }

  refresh(): void {
    for (const [id, b] of this.toolButtons) {
      b.checked = id === this.editor.tool;
      b.setAttribute('aria-pressed', String(b.checked));
    }
    this.size.value = String(this.editor.brush.size);
    this.maskToggle.checked = this.editor.renderer.showMask;
    this.outline.checked = this.editor.layer.outline;
    this.confidence.checked = this.editor.confidence.visible;
    const { confidence } = this.editor;
    this.confidence.hidden = confidence.canvas === undefined;
    this.uncertain.hidden = confidence.canvas === undefined || !confidence.visible;
    this.uncertainSlider.value = String(Math.round((confidence.threshold / 255) * 100));
    this.refreshDisagreement();
  }

  /** The disagreement toggle and count (after every repaint: painting changes the count). */
  refreshDisagreement(): void {
    const { disagreement } = this.editor;
    this.disagreement.checked = disagreement.visible;
    this.disagreement.hidden = disagreement.count === undefined;
    this.disagreementCount.hidden = disagreement.count === undefined || !disagreement.visible;
    this.disagreementCount.textContent = fill(this.editor.strings.toolbar.disagreeCount, (disagreement.count ?? 0).toLocaleString(), disagreement.model);
  }
}
