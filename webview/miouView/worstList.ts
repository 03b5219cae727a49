/** The images worst first (by mIoU, or by one class's IoU), each a link that opens it in the mask editor. */
import type { ClassDef } from '../../src/core/classes';
import { rankWorst, type RankedImage } from '../../src/core/metrics/worstImages';
import { el, select } from '../shared/dom';
import { applyInlineSizes } from './classTable';
import { fill } from '../shared/strings';
import { pct } from './format';
import { strings } from './strings';

const PAGE = 50;

export interface WorstOptions {
  /** '' for all classes, else a class id. */
  classFilter: string;
  shown: number;
  showDisagreement: boolean;
}

export function worstList(
  images: readonly RankedImage[],
  classes: readonly ClassDef[],
  opts: WorstOptions,
  onChange: (o: WorstOptions) => void,
  onOpen: (name: string, showDisagreement: boolean) => void,
): HTMLElement {
  const s = strings().worst;
  const classFilter = select(s.rankByClass, [['', s.allClasses], ...classes.map((c): [string, string] => [String(c.id), c.name])], opts.classFilter);
  classFilter.addEventListener('change', () => onChange({ ...opts, classFilter: classFilter.value, shown: PAGE }));
  const disagreement = el('vscode-checkbox', { label: s.openWithDisagreement });
  disagreement.checked = opts.showDisagreement;
  disagreement.addEventListener('change', () => onChange({ ...opts, showDisagreement: disagreement.checked }));
  const classId = opts.classFilter === '' ? undefined : Number(opts.classFilter);
  const ranked = rankWorst(images, { classId });
  const items = ranked.slice(0, opts.shown).map((img) => {
    const score = classId === undefined ? img.miou : img.classIou[classId];
    const link = el('a', { href: '#', class: 'image-link', title: fill(s.open, img.name) }, img.name);
    link.addEventListener('click', (e) => {
      e.preventDefault();
      onOpen(img.name, opts.showDisagreement);
    });
    return el(
      'li',
      {},
      link,
      el('span', { class: 'bar' }, el('span', { class: 'fill', 'data-width': String(score ?? 0) })),
      el('span', { class: 'num' }, pct(score)),
    );
  });
  const list = el('ol', { id: 'worst-list' }, ...items);
  applyInlineSizes(list);
  const footer: HTMLElement[] = [];
  if (ranked.length > opts.shown) {
    const more = el('vscode-button', { secondary: '' }, fill(s.more, Math.min(PAGE, ranked.length - opts.shown), ranked.length - opts.shown));
    more.addEventListener('click', () => onChange({ ...opts, shown: opts.shown + PAGE }));
    footer.push(more);
  }
  const empty = ranked.length === 0 ? [el('p', { class: 'hint' }, classId === undefined ? s.noImage : s.noImageWithClass)] : [];
  return el('div', { class: 'worst' }, el('div', { class: 'row' }, classFilter, disagreement), ...empty, list, ...footer);
}

export const FIRST_PAGE = PAGE;
