import { confidenceOverlay } from '../prelabel/confidenceOverlay';

/**
 * The last prediction's confidence as an image-sized canvas (low-confidence pixels hatched), drawn
 * by the renderer over the mask while `visible`. Toggled with C or the toolbar.
 */
export class ConfidenceLayer {
  canvas: HTMLCanvasElement | undefined;
  visible = false;

  set(confidence: Uint8Array, width: number, height: number, threshold: number): void {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const rgba = new Uint8ClampedArray(width * height * 4);
    confidenceOverlay(confidence, width, height, threshold, rgba);
    canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
    this.canvas = canvas;
    this.visible = true;
  }
}
