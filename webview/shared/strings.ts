/** Puts values into a localised template from the host: `{0}` is the first value, `{1}` the second. */
export function fill(template: string, ...values: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (placeholder, i: string) => (i in values ? String(values[Number(i)]) : placeholder));
}
