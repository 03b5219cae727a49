/** Per-class table: IoU (with a bar), accuracy, ground-truth and predicted pixel share; sortable by any column. */
import type { ClassDef } from '../../src/core/classes';
import type { ClassScore } from '../../src/core/metrics/scores';
import { el } from '../shared/dom';
import { fill } from '../shared/strings';
import { pct } from './format';
import { strings } from './strings';

export type SortKey = 'id' | 'name' | 'iou' | 'accuracy' | 'gt' | 'pred';
export interface Sort {
  key: SortKey;
  descending: boolean;
}

function columns(): Array<[SortKey, string, string]> {
  const s = strings().table;
  return [
    ['name', s.class, ''],
    ['iou', s.iou, s.iouTitle],
    ['accuracy', s.accuracy, s.accuracyTitle],
    ['gt', s.gt, s.gtTitle],
    ['pred', s.pred, s.predTitle],
  ];
}

export function classTable(classes: readonly ClassDef[], scores: readonly ClassScore[], sort: Sort, onSort: (s: Sort) => void): HTMLTableElement {
  const gtTotal = scores.reduce((a, s) => a + s.gtPixels, 0) || 1;
  const predTotal = scores.reduce((a, s) => a + s.predPixels, 0) || 1;
  const value = (s: ClassScore): number | string => {
    switch (sort.key) {
      case 'id':
        return s.id;
      case 'name':
        return s.name.toLowerCase();
      case 'iou':
        return s.iou ?? -1;
      case 'accuracy':
        return s.accuracy ?? -1;
      case 'gt':
        return s.gtPixels;
      case 'pred':
        return s.predPixels;
    }
  };
  const rows = [...scores].sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    const c = x < y ? -1 : x > y ? 1 : a.id - b.id;
    return sort.descending ? -c : c;
  });
  const colors = new Map(classes.map((c) => [c.id, `rgb(${c.color.join(',')})`]));
  const head = el(
    'tr',
    {},
    ...columns().map(([key, label, title]) => {
      const active = sort.key === key;
      const th = el('th', { scope: 'col', title, 'aria-sort': active ? (sort.descending ? 'descending' : 'ascending') : 'none' });
      const button = el('button', { type: 'button', class: 'sort' }, label, active ? (sort.descending ? ' ▾' : ' ▴') : '');
      button.addEventListener('click', () => onSort({ key, descending: active ? !sort.descending : key !== 'name' }));
      th.append(button);
      return th;
    }),
  );
  const body = rows.map((s) => {
    const swatch = el('span', { class: 'swatch', 'data-color': colors.get(s.id) ?? '' });
    const bar = el('span', { class: 'bar' }, el('span', { class: 'fill', 'data-width': String(s.iou ?? 0) }));
    return el(
      'tr',
      { class: 'class-row', 'data-class': String(s.id) },
      el('th', { scope: 'row', title: fill(strings().table.classId, s.id) }, swatch, s.name),
      el('td', { class: 'num iou' }, bar, el('span', {}, pct(s.iou))),
      el('td', { class: 'num' }, pct(s.accuracy)),
      el('td', { class: 'num', title: fill(strings().table.pixels, s.gtPixels) }, pct(s.gtPixels / gtTotal)),
      el('td', { class: 'num', title: fill(strings().table.pixels, s.predPixels) }, pct(s.predPixels / predTotal)),
    );
  });
  const table = el('table', { id: 'class-table' }, el('thead', {}, head), el('tbody', {}, ...body));
  applyInlineSizes(table);
  return table;
}

/**
 * The CSP allows no inline style attributes, so bar widths and swatch colours are set through
 * the CSSOM (allowed) from data attributes.
 */
export function applyInlineSizes(root: HTMLElement): void {
  for (const e of root.querySelectorAll<HTMLElement>('[data-width]')) e.style.width = `${Math.max(0, Math.min(1, Number(e.dataset.width))) * 100}%`;
  for (const e of root.querySelectorAll<HTMLElement>('[data-color]')) e.style.background = e.dataset.color ?? '';
}
