import type { Rect } from '../../src/core/editing/grid';
import type { MaskLayer } from './maskLayer';
import type { Viewport } from './viewport';

/** An image-sized layer drawn over the mask while visible (disagreement, confidence hatching). */
export interface Overlay {
  readonly canvas: HTMLCanvasElement | undefined;
  readonly visible: boolean;
}

/** Zoom from which a grid separates the pixels. */
const GRID_ZOOM = 12;

/**
 * Paints the view canvas: the image, the mask layer at the chosen opacity and the overlays that
 * are shown, with nearest-neighbour scaling. A stroke repaints only the screen area of its dirty rectangle.
 */
export class Renderer {
  opacity = 0.5;
  showMask = true;
  private readonly ctx: CanvasRenderingContext2D;
  private dpr = 1;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly image: CanvasImageSource,
    private readonly layer: MaskLayer,
    private readonly vp: Viewport,
    private readonly overlays: readonly Overlay[] = [],
  ) {
    this.ctx = canvas.getContext('2d', { alpha: false })!;
  }

  /** Matches the backing store to the element's size; returns whether it changed. */
  resize(): boolean {
    this.dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * this.dpr));
    const h = Math.max(1, Math.round(this.canvas.clientHeight * this.dpr));
    if (w === this.canvas.width && h === this.canvas.height) return false;
    this.canvas.width = w;
    this.canvas.height = h;
    return true;
  }

  /** Device-pixel x of image column x (rounded the same way everywhere so partial repaints leave no seams). */
  private sx(x: number): number {
    return Math.round((x * this.vp.scale + this.vp.offsetX) * this.dpr);
  }

  private sy(y: number): number {
    return Math.round((y * this.vp.scale + this.vp.offsetY) * this.dpr);
  }

  /** Repaints `rect` of the image (all that is visible when omitted). */
  draw(rect?: Rect): void {
    const { ctx, vp } = this;
    const visible = this.visibleImageRect();
    const r = rect
      ? { x0: Math.max(visible.x0, rect.x0), y0: Math.max(visible.y0, rect.y0), x1: Math.min(visible.x1, rect.x1), y1: Math.min(visible.y1, rect.y1) }
      : visible;
    if (!rect) {
      ctx.fillStyle = getComputedStyle(this.canvas).getPropertyValue('--canvas-background').trim() || '#1e1e1e';
      ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    }
    if (r.x0 >= r.x1 || r.y0 >= r.y1) return;
    const dx = this.sx(r.x0);
    const dy = this.sy(r.y0);
    const dw = this.sx(r.x1) - dx;
    const dh = this.sy(r.y1) - dy;
    const w = r.x1 - r.x0;
    const h = r.y1 - r.y0;
    ctx.imageSmoothingEnabled = vp.scale < 1;
    ctx.globalAlpha = 1;
    ctx.drawImage(this.image, r.x0, r.y0, w, h, dx, dy, dw, dh);
    if (this.showMask && this.opacity > 0) {
      ctx.imageSmoothingEnabled = false;
      ctx.globalAlpha = this.opacity;
      ctx.drawImage(this.layer.canvas, r.x0, r.y0, w, h, dx, dy, dw, dh);
      ctx.globalAlpha = 1;
    }
    for (const overlay of this.overlays) {
      if (overlay.visible && overlay.canvas) ctx.drawImage(overlay.canvas, r.x0, r.y0, w, h, dx, dy, dw, dh);
    }
    if (vp.scale >= GRID_ZOOM) this.drawGrid(r);
  }

  private drawGrid(r: Rect): void {
    const { ctx } = this;
    ctx.beginPath();
    for (let x = r.x0; x <= r.x1; x++) {
      ctx.moveTo(this.sx(x) + 0.5, this.sy(r.y0));
      ctx.lineTo(this.sx(x) + 0.5, this.sy(r.y1));
    }
    for (let y = r.y0; y <= r.y1; y++) {
      ctx.moveTo(this.sx(r.x0), this.sy(y) + 0.5);
      ctx.lineTo(this.sx(r.x1), this.sy(y) + 0.5);
    }
    ctx.strokeStyle = 'rgba(128, 128, 128, 0.35)';
    ctx.lineWidth = 1;
    ctx.stroke();
  }

  /** The image pixels that intersect the view. */
  visibleImageRect(): Rect {
    const { vp } = this;
    const a = vp.toImage(0, 0);
    const b = vp.toImage(this.canvas.width / this.dpr, this.canvas.height / this.dpr);
    return {
      x0: Math.max(0, Math.floor(a.x)),
      y0: Math.max(0, Math.floor(a.y)),
      x1: Math.min(vp.imageWidth, Math.ceil(b.x)),
      y1: Math.min(vp.imageHeight, Math.ceil(b.y)),
    };
  }
}
