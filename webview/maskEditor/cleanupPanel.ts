import '@vscode-elements/elements/dist/vscode-button/index.js';
import { clamp, el, numberField, select } from '../shared/dom';
import type { Editor } from './editor';

/** Whole-mask operations: replace class A by B, remove small islands, grow/shrink the current class. */
export function cleanupPanel(editor: Editor): HTMLElement {
  const s = editor.strings.cleanup;
  const classes: Array<[string, string]> = editor.classes.map((c) => [String(c.id), `${c.id} ${c.name}`]);
  const from = select(s.replaceClass, classes, classes[1]?.[0] ?? '0');
  const to = select(s.withClass, classes, '0');
  const replace = button('replace-all', 'replace', s.replaceClass, () => editor.replaceClass(Number(from.value), Number(to.value)));
  const minPixels = numberField(s.islandSize, 50, 1, 1_000_000);
  const islands = button('filter', 'remove-islands', s.removeIslands, () =>
    editor.removeIslands(clamp(Math.round(Number(minPixels.value)) || 1, 1, 1_000_000)),
  );
  return el(
    'section',
    { id: 'cleanup', 'aria-label': s.title },
    el('h2', {}, s.title),
    el('div', { class: 'row' }, from, el('span', {}, '→'), to, replace),
    el('div', { class: 'row' }, minPixels, islands),
    el(
      'div',
      { class: 'row' },
      button('fold-up', 'grow', s.grow, () => editor.grow()),
      button('fold-down', 'shrink', s.shrink, () => editor.shrink()),
    ),
  );
}

function button(icon: string, action: string, label: string, run: () => void): HTMLElementTagNameMap['vscode-button'] {
  const b = el('vscode-button', { icon, secondary: '', 'data-action': action, 'aria-label': label, title: label }, label);
  b.addEventListener('click', run);
  return b;
}
