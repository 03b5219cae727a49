export const MAX_ZOOM = 32;

/** Screen <-> image mapping: screen = image * scale + offset (CSS pixels). */
export class Viewport {
  scale = 1;
  offsetX = 0;
  offsetY = 0;
  /** Still showing the whole image as fitted: resizing the view re-fits it. */
  fitted = true;

  constructor(
    readonly imageWidth: number,
    readonly imageHeight: number,
  ) {}

  toImage(sx: number, sy: number): { x: number; y: number } {
    return { x: (sx - this.offsetX) / this.scale, y: (sy - this.offsetY) / this.scale };
  }

  /** Fits the whole image, centred, never enlarging past 1:1 for small views of big images. */
  fit(viewWidth: number, viewHeight: number): void {
    this.scale = Math.min(MAX_ZOOM, viewWidth / this.imageWidth, viewHeight / this.imageHeight);
    this.centre(viewWidth, viewHeight);
    this.fitted = true;
  }

  actualSize(viewWidth: number, viewHeight: number): void {
    this.scale = 1;
    this.centre(viewWidth, viewHeight);
    this.fitted = false;
  }

  /** Zooms by `factor` keeping the image point under (sx, sy) fixed. */
  zoomAt(sx: number, sy: number, factor: number, viewWidth: number, viewHeight: number): void {
    const min = Math.min(1, viewWidth / this.imageWidth, viewHeight / this.imageHeight) / 2;
    const scale = Math.min(MAX_ZOOM, Math.max(min, this.scale * factor));
    const p = this.toImage(sx, sy);
    this.scale = scale;
    this.offsetX = sx - p.x * scale;
    this.offsetY = sy - p.y * scale;
    this.fitted = false;
  }

  pan(dx: number, dy: number): void {
    this.offsetX += dx;
    this.offsetY += dy;
    this.fitted = false;
  }

  private centre(viewWidth: number, viewHeight: number): void {
    this.offsetX = (viewWidth - this.imageWidth * this.scale) / 2;
    this.offsetY = (viewHeight - this.imageHeight * this.scale) / 2;
  }
}
