/**
 * Reference metrics by direct per-class counting, written independently of the confusion
 * matrix: the semantics of issue 2 spelled out pixel by pixel.
 */
export interface Reference {
  intersection: number[];
  gtPixels: number[];
  predPixels: number[];
  pixels: number;
  ignoredPixels: number;
  unknownGtPixels: number;
  iou: (number | null)[];
  accuracy: (number | null)[];
  miou: number | null;
  pixelAccuracy: number | null;
  meanAccuracy: number | null;
}

export function bruteForce(gt: Uint8Array, pred: Uint8Array, numClasses: number, ignoreIndex: number): Reference {
  const intersection: number[] = [];
  const gtPixels: number[] = [];
  const predPixels: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    let inter = 0;
    let g = 0;
    let p = 0;
    for (let i = 0; i < gt.length; i++) {
      const counted = gt[i] !== ignoreIndex && gt[i] < numClasses;
      if (!counted) continue;
      if (gt[i] === c) g++;
      if (pred[i] === c) p++;
      if (gt[i] === c && pred[i] === c) inter++;
    }
    intersection.push(inter);
    gtPixels.push(g);
    predPixels.push(p);
  }
  let ignoredPixels = 0;
  let unknownGtPixels = 0;
  for (const v of gt) {
    if (v === ignoreIndex) ignoredPixels++;
    else if (v >= numClasses) unknownGtPixels++;
  }
  const pixels = gt.length - ignoredPixels - unknownGtPixels;
  const iou = intersection.map((inter, c) => {
    const union = gtPixels[c] + predPixels[c] - inter;
    return union === 0 ? null : inter / union;
  });
  const accuracy = intersection.map((inter, c) => (gtPixels[c] === 0 ? null : inter / gtPixels[c]));
  const correct = intersection.reduce((a, b) => a + b, 0);
  return {
    intersection,
    gtPixels,
    predPixels,
    pixels,
    ignoredPixels,
    unknownGtPixels,
    iou,
    accuracy,
    miou: meanOf(iou),
    pixelAccuracy: pixels === 0 ? null : correct / pixels,
    meanAccuracy: meanOf(accuracy),
  };
}

function meanOf(values: (number | null)[]): number | null {
  const present = values.filter((v) => v !== null) as number[];
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
}
