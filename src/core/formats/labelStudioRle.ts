/**
 * Label Studio's brush RLE (the rle-pack format that label-studio-converter's brush.py reads and
 * writes). It packs a flat array of `num` words, here the RGBA bytes of a width x height image
 * (row-major, 4 values a pixel), as a big-endian bit stream:
 *   header: num (32 bits), word size - 1 (5 bits), four run-length field sizes - 1 (4 bits each)
 *   then blocks until num words are out: 1 bit (1 = a run of one word, 0 = literal words),
 *   2 bits choosing a field size, that many bits holding the block length - 1, then one word
 *   (run) or length words (literals).
 * SegLab writes a class as white pixels with alpha 255 on transparent black (runs only, field
 * sizes 3, 4, 8, 16 as brush.py does) and reads a pixel as painted when its alpha is >= 128.
 */

const RUN_FIELDS = [3, 4, 8, 16] as const;
const MAX_RUN = 1 << 16;

class BitWriter {
  private bytes = new Uint8Array(1024);
  private bit = 0;

  write(value: number, bits: number): void {
    if ((this.bit + bits + 7) >> 3 > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2 + bits);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    for (let b = bits - 1; b >= 0; b--) {
      if ((value >>> b) & 1) this.bytes[this.bit >> 3] |= 0x80 >> (this.bit & 7);
      this.bit++;
    }
  }

  done(): Uint8Array {
    return this.bytes.slice(0, (this.bit + 7) >> 3);
  }
}

class BitReader {
  private bit = 0;
  constructor(private readonly bytes: ArrayLike<number>) {}

  read(bits: number): number {
    if (this.bit + bits > this.bytes.length * 8) throw new Error('brush RLE ends in the middle of a block');
    let value = 0;
    while (bits > 0) {
      // The rest of the current byte, or as much of it as is wanted.
      const free = 8 - (this.bit & 7);
      const take = Math.min(free, bits);
      const chunk = (this.bytes[this.bit >> 3] >> (free - take)) & ((1 << take) - 1);
      value = value * (1 << take) + chunk;
      this.bit += take;
      bits -= take;
    }
    return value;
  }
}

/** A label map's row-major runs: run k starts at starts[k] and holds values[k]. */
export interface Runs {
  starts: Int32Array;
  values: Uint8Array;
  count: number;
  pixels: number;
}

/** The runs of a label map, found once and shared by every class's brush. */
export function labelRuns(data: Uint8Array): Runs {
  let count = 0;
  for (let i = 1; i < data.length; i++) if (data[i] !== data[i - 1]) count++;
  const runs: Runs = { starts: new Int32Array(count + 1), values: new Uint8Array(count + 1), count: data.length > 0 ? count + 1 : 0, pixels: data.length };
  runs.values[0] = data[0];
  for (let i = 1, k = 1; i < data.length; i++) {
    if (data[i] === data[i - 1]) continue;
    runs.starts[k] = i;
    runs.values[k++] = data[i];
  }
  return runs;
}

/** Label Studio brush RLE of the pixels holding `value`. */
export function encodeBrush(runs: Runs, value: number): number[] {
  const out = new BitWriter();
  out.write(runs.pixels * 4, 32);
  out.write(8 - 1, 5);
  for (const size of RUN_FIELDS) out.write(size - 1, 4);
  const run = (painted: boolean, words: number) => {
    for (; words > 0; words -= MAX_RUN) {
      const length = Math.min(words, MAX_RUN);
      const field = RUN_FIELDS.findIndex((size) => length <= 1 << size);
      out.write(1, 1);
      out.write(field, 2);
      out.write(length - 1, RUN_FIELDS[field]);
      out.write(painted ? 255 : 0, 8);
    }
  };
  // Neighbouring runs of other values merge into one unpainted run.
  let start = 0;
  for (let k = 1; k <= runs.count; k++) {
    const end = k < runs.count ? runs.starts[k] : runs.pixels;
    if (k < runs.count && (runs.values[k] === value) === (runs.values[k - 1] === value)) continue;
    // A pixel is 4 equal words (r, g, b, a), so a run of pixels is one run of 4x the words.
    run(runs.values[k - 1] === value, (end - start) * 4);
    start = end;
  }
  return Array.from(out.done());
}

/**
 * Writes `value` into `into` at the painted pixels (alpha >= 128) of a brush RLE for an image of
 * `pixels` pixels, leaving the others as they are; by default a new 0/1 array. Throws Error
 * saying what is wrong.
 */
export function decodeBrush(rle: ArrayLike<number>, pixels: number, into = new Uint8Array(pixels), value = 1): Uint8Array {
  for (let i = 0; i < rle.length; i++) {
    if (!Number.isInteger(rle[i]) || rle[i] < 0 || rle[i] > 255) throw new Error(`rle[${i}] is ${rle[i]}, not a byte`);
  }
  const input = new BitReader(rle);
  const num = input.read(32);
  const wordSize = input.read(5) + 1;
  const fields = [0, 0, 0, 0].map(() => input.read(4) + 1);
  if (num !== pixels * 4) throw new Error(`brush RLE holds ${num} values, the image needs ${pixels * 4} (4 per pixel)`);
  // Words are bytes of RGBA; wider words would be scaled, so only alpha's byte order matters.
  const painted = (word: number) => (wordSize > 8 ? word >>> (wordSize - 8) : word) >= 128;
  for (let i = 0; i < num;) {
    const isRun = input.read(1);
    const end = i + 1 + input.read(fields[input.read(2)]);
    if (end > num) throw new Error(`brush RLE runs past its ${num} values`);
    if (isRun) {
      // Pixel p's alpha is word 4p + 3: the run holds the alphas of pixels i/4 .. end/4 (rounded down).
      if (painted(input.read(wordSize))) into.fill(value, i >> 2, end >> 2);
      i = end;
    } else {
      for (; i < end; i++) {
        const word = input.read(wordSize);
        if (i % 4 === 3 && painted(word)) into[i >> 2] = value;
      }
    }
  }
  return into;
}
