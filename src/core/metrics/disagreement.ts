/**
 * Where a model's prediction and the label differ, by the mIoU's rules (confusion.ts): a pixel
 * whose label is the ignore index or no class is not compared; a prediction outside the classes
 * is a miss. The mask editor updates it rectangle by rectangle as the person paints, so the count
 * it shows is always that of the mask on screen.
 */
import { clipRect, type Rect } from '../editing/grid';

export class Disagreement {
  /** 1 where the pixel disagrees, row-major. */
  readonly flags: Uint8Array;
  count = 0;

  constructor(
    readonly prediction: Uint8Array,
    readonly width: number,
    readonly height: number,
    private readonly numClasses: number,
    private readonly ignoreIndex: number,
  ) {
    if (prediction.length !== width * height) throw new RangeError(`prediction has ${prediction.length} pixels, expected ${width}x${height}`);
    this.flags = new Uint8Array(width * height);
  }

  /** Re-compares `rect` (the whole image when omitted) with `label`, keeping `count` exact. */
  update(label: Uint8Array, rect: Rect = { x0: 0, y0: 0, x1: this.width, y1: this.height }): void {
    if (label.length !== this.flags.length) throw new RangeError(`label has ${label.length} pixels, expected ${this.width}x${this.height}`);
    const r = clipRect(rect, this.width, this.height);
    if (!r) return;
    const { flags, prediction, numClasses, ignoreIndex, width } = this;
    let delta = 0;
    for (let y = r.y0; y < r.y1; y++) {
      for (let i = y * width + r.x0, end = y * width + r.x1; i < end; i++) {
        const gt = label[i];
        const differs = gt !== ignoreIndex && gt < numClasses && prediction[i] !== gt ? 1 : 0;
        delta += differs - flags[i];
        flags[i] = differs;
      }
    }
    this.count += delta;
  }
}
