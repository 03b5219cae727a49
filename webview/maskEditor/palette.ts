import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { ClassDef } from '../../src/core/classes';
import { el } from '../shared/dom';
import type { Editor } from './editor';

/**
 * The class list: swatch, name, id and pixel count; keys 1-9 and 0 pick the first ten, arrow
 * keys move through the list, and the search field (focused with "/") filters by name or id,
 * Enter picking the first match.
 */
export class Palette {
  readonly element: HTMLElement;
  private readonly rows = new Map<number, { row: HTMLElement; count: HTMLElement }>();
  private readonly search: HTMLElementTagNameMap['vscode-textfield'];

  constructor(
    private readonly editor: Editor,
    private readonly onPick: () => void,
  ) {
    const s = editor.strings.palette;
    this.search = el('vscode-textfield', { placeholder: s.search, 'aria-label': s.searchLabel, id: 'class-search' });
    this.search.addEventListener('input', () => this.filter());
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        const first = this.visible()[0];
        if (first) this.pick(first.id);
      }
      e.stopPropagation(); // typing here must not trigger tool keys
    });
    const list = el('ul', { id: 'class-list', role: 'listbox', 'aria-label': s.classes });
    for (const c of editor.classes) {
      const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = `rgb(${c.color.join(',')})`;
      const count = el('span', { class: 'count' });
      const row = el(
        'li',
        { role: 'option', tabindex: '-1', 'data-class': String(c.id) },
        swatch,
        el('span', { class: 'name' }, c.name),
        el('span', { class: 'id' }, `#${c.id}`),
        count,
      );
      row.addEventListener('click', () => this.pick(c.id));
      row.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') this.pick(c.id);
        else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') this.step(c.id, e.key === 'ArrowDown' ? 1 : -1);
        else return;
        e.preventDefault();
        e.stopPropagation();
      });
      this.rows.set(c.id, { row, count });
      list.append(row);
    }
    this.element = el('section', { id: 'palette', 'aria-label': s.palette }, this.search, list);
    this.refresh();
  }

  focusSearch(): void {
    this.search.focus();
  }

  /** Number key n (1-9, 0 = tenth) picks the n-th class of the list. */
  pickByKey(digit: number): void {
    const c = this.editor.classes[digit === 0 ? 9 : digit - 1];
    if (c) this.pick(c.id);
  }

  pick(id: number): void {
    this.editor.classId = id;
    this.refresh();
    this.onPick();
  }

  /** Arrow keys move the selection through the visible classes, keeping focus on the list. */
  private step(from: number, by: number): void {
    const shown = this.visible();
    const next = shown[shown.findIndex((c) => c.id === from) + by];
    if (!next) return;
    this.pick(next.id);
    this.rows.get(next.id)?.row.focus();
  }

  refresh(): void {
    for (const [id, { row, count }] of this.rows) {
      const selected = id === this.editor.classId;
      row.setAttribute('aria-selected', String(selected));
      row.tabIndex = selected ? 0 : -1;
      count.textContent = this.editor.layer.counts[id].toLocaleString();
    }
  }

  private visible(): ClassDef[] {
    const q = this.search.value.trim().toLowerCase();
    return this.editor.classes.filter((c) => q === '' || c.name.toLowerCase().includes(q) || String(c.id) === q);
  }

  private filter(): void {
    const shown = new Set(this.visible().map((c) => c.id));
    for (const [id, { row }] of this.rows) row.hidden = !shown.has(id);
  }
}
