// Seeded randomness for the demo generator: the same seed gives the same bytes on every machine.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  range(min: number, max: number): number;
  int(min: number, maxExclusive: number): number;
  /** Approximately normal, mean 0, standard deviation 1 (Irwin-Hall of 4 uniforms). */
  normal(): number;
  /** A new stream derived from this one, so that adding draws in one part leaves others alone. */
  fork(): Random;
}

/** sfc32 seeded through splitmix32: fast, 32-bit only, and good enough for textures. */
export function createRandom(seed: number): Random {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    range: (min, max) => min + (max - min) * next(),
    int: (min, maxExclusive) => min + Math.floor((maxExclusive - min) * next()),
    normal: () => (next() + next() + next() + next() - 2) * Math.sqrt(3),
    fork: () => createRandom(Math.floor(next() * 4294967296)),
  };
}
