/** Masks drawn as text: one string per row, '#' (or a digit) set, '.' clear. */
export interface Drawn {
  width: number;
  height: number;
  data: Uint8Array;
}

export function draw(rows: string[]): Drawn {
  const width = rows[0].length;
  const data = new Uint8Array(width * rows.length);
  rows.forEach((r, y) => {
    if (r.length !== width) throw new Error(`row ${y} has ${r.length} characters, expected ${width}`);
    for (let x = 0; x < width; x++) data[y * width + x] = r[x] === '#' ? 1 : r[x] === '.' ? 0 : Number(r[x]);
  });
  return { width, height: rows.length, data };
}
