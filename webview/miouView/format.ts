/** Number formats and theme colours shared by the view's parts. */
export const pct = (v: number | null, digits = 1): string => (v === null ? '–' : `${(v * 100).toFixed(digits)}%`);

export function count(v: number): string {
  return v >= 1e9 ? `${(v / 1e9).toFixed(1)} G` : v >= 1e6 ? `${(v / 1e6).toFixed(1)} M` : v >= 1e4 ? `${(v / 1e3).toFixed(0)} k` : String(v);
}

/** A theme colour (a CSS variable of the webview) with a fallback outside VS Code. */
export function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** A canvas sized to its box in device pixels; returns the context scaled to CSS pixels. */
export function fitCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}
