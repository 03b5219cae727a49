/**
 * 4-connected regions of a 0/1 mask (the connectivity of the mask editor's fill and island
 * removal), numbered 1, 2, ... in the row-major order of each region's first pixel.
 */

export interface Components {
  /** Per pixel: 0 outside the mask, else the region's number. */
  labels: Int32Array;
  /** sizes[k - 1]: pixels of region k. */
  sizes: number[];
}

export function connectedComponents(mask: Uint8Array, width: number, height: number): Components {
  if (mask.length !== width * height) throw new Error(`a mask of ${mask.length} pixels for a ${width}x${height} image`);
  const labels = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  const sizes: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const label = sizes.length + 1;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    labels[start] = label;
    const visit = (n: number) => {
      if (mask[n] && !labels[n]) {
        labels[n] = label;
        queue[tail++] = n;
      }
    };
    while (head < tail) {
      const i = queue[head++];
      const x = i % width;
      if (x > 0) visit(i - 1);
      if (x < width - 1) visit(i + 1);
      if (i >= width) visit(i - width);
      if (i + width < mask.length) visit(i + width);
    }
    sizes.push(tail);
  }
  return { labels, sizes };
}
