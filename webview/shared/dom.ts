/** Small DOM helpers: elements are built in code so the page needs no inline markup or styles. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** A vscode-single-select with the given [value, label] options. */
export function select(label: string, options: Array<[string, string]>, value: string): HTMLElementTagNameMap['vscode-single-select'] {
  const s = el('vscode-single-select', { 'aria-label': label, title: label });
  for (const [v, text] of options) s.append(el('vscode-option', { value: v }, text));
  s.value = value;
  return s;
}

export function numberField(label: string, value: number, min: number, max: number): HTMLElementTagNameMap['vscode-textfield'] {
  const f = el('vscode-textfield', { type: 'number', 'aria-label': label, title: label, min: String(min), max: String(max) });
  f.value = String(value);
  return f;
}

export function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}
