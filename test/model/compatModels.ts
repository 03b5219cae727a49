/**
 * The compatibility suite's known answers: the hand-written models of
 * scripts/models/build_test_models.py (compat/), a test image of palette colours, and for each
 * model the class every pixel must get, computed by hand from the pixel's colour.
 */
import type { ClassDef, Rgb } from '../../src/core/classes';
import type { RgbImage } from '../../src/core/model/image';

/** The dataset the compat models are run on. */
export const COMPAT_CLASSES: ClassDef[] = ['background', 'red', 'green', 'blue'].map((name, id) => ({ id, name, color: [id * 60, id * 60, id * 60] as Rgb }));
export const IGNORE = 255;

/** R values 40, 100, 135, 160, 220 (sigmoid thresholds at R 127.5 and 138.3 fall between them); one dominant channel each, by 10 or more. */
const PALETTE: Rgb[] = [
  [40, 200, 90],
  [100, 30, 220],
  [135, 60, 20],
  [160, 210, 40],
  [220, 90, 100],
  [40, 20, 180],
  [135, 170, 30],
  [220, 30, 230],
];

/** Odd sizes: no side is a multiple of anything a model might want. */
export const COMPAT_SIZES: Array<[number, number]> = [
  [37, 23],
  [5, 3],
];

export function compatImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(PALETTE[(x * 7 + y * 3) % PALETTE.length], (y * width + x) * 3);
  return { width, height, channels: 3, data };
}

const dominant = ([r, g, b]: number[]) => (r > g && r > b ? 0 : g > b ? 1 : 2);
/** Dataset ids of red, green, blue (the models' classes mapped by name). */
const BY_NAME = [1, 2, 3];

/**
 * The class of pixel (x, y) of colour `rgb` in an image `height` rows high; undefined where the
 * answer is a tie (not checked).
 */
export const EXPECTED: Record<string, (rgb: number[], y: number, height: number) => number | undefined> = {
  sigmoid_applied: ([r]) => (r > 127.5 ? 1 : 0),
  sigmoid_logits: ([r]) => (r > 138.3 ? 1 : 0),
  argmax_int64: (rgb) => BY_NAME[dominant(rgb)],
  argmax_int32_hw: (rgb) => BY_NAME[dominant(rgb)],
  nhwc: (rgb) => BY_NAME[dominant(rgb)],
  uint8: ([r]) => (r > 128 ? 1 : 0),
  fp16: (rgb) => BY_NAME[dominant(rgb)],
  superset: (rgb) => [1, 2, IGNORE][dominant(rgb)],
  // One sigmoid per class (logit 20 (v - 0.5), threshold 0.7): the highest of R, G, B above 138.3, else background.
  multilabel: (rgb) => (Math.max(...rgb) > 138.3 ? BY_NAME[dominant(rgb)] : 0),
  // Red on the 32-row tensor's top 16 rows: the image row whose bilinear source row is 15.5 splits.
  stretch: (_, y, height) => {
    const src = ((y + 0.5) * 32) / height - 0.5;
    return Math.abs(src - 15.5) < 1e-6 ? undefined : src < 15.5 ? 1 : 0;
  },
};

export const COMPAT_MODELS = Object.keys(EXPECTED);

/** Pixels whose label differs from the known answer, with the first few as "x,y: got g, want w". */
export function wrongPixels(name: string, image: RgbImage, labels: ArrayLike<number>): { wrong: number; checked: number; first: string[] } {
  const { width, height, data } = image;
  let wrong = 0;
  let checked = 0;
  const first: string[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const want = EXPECTED[name](Array.from(data.subarray(i * 3, i * 3 + 3)), y, height);
      if (want === undefined) continue;
      checked++;
      if (labels[i] !== want) {
        wrong++;
        if (first.length < 5) first.push(`${x},${y}: got ${labels[i]}, want ${want}`);
      }
    }
  }
  return { wrong, checked, first };
}
