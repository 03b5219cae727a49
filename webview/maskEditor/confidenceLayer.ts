import { confidenceOverlay } from '../prelabel/confidenceOverlay';

/**
 * The last prediction's confidence as an image-sized canvas (pixels below `threshold` hatched),
 * drawn by the renderer over the mask while `visible`. Toggled with C; the threshold is a slider.
 */
export class ConfidenceLayer {
  canvas: HTMLCanvasElement | undefined;
  visible = false;
  /** 0-255. */
  threshold = 0;
  private prediction: { confidence: Uint8Array; width: number; height: number } | undefined;

  set(confidence: Uint8Array, width: number, height: number, threshold: number): void {
    this.prediction = { confidence, width, height };
    this.visible = true;
    this.setThreshold(threshold);
  }

  setThreshold(threshold: number): void {
    this.threshold = threshold;
    const p = this.prediction;
    if (!p) return;
    const canvas = (this.canvas ??= document.createElement('canvas'));
    canvas.width = p.width;
    canvas.height = p.height;
    const rgba = new Uint8ClampedArray(p.width * p.height * 4);
    confidenceOverlay(p.confidence, p.width, p.height, threshold, rgba);
    canvas.getContext('2d')!.putImageData(new ImageData(rgba, p.width, p.height), 0, 0);
  }
}
