// A seeded pseudo-random source for the invoice generator. The domain never calls Math.random:
// the same seed gives the same invoices, on any machine.

/** A function returning uniformly distributed numbers in [0, 1), like Math.random. */
export type Rng = () => number;

/**
 * mulberry32 (Tommy Ettinger): 32-bit state, period 2^32, good enough statistical quality for
 * synthetic data, and fast. Any integer seed works (it is reduced to 32 bits).
 */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max] (both inclusive). */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** A standard normal variate (Box-Muller; one of the pair is discarded for simplicity). */
export function standardNormal(rng: Rng): number {
  let u = rng();
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** A picker over weighted choices: `weighted(rng, [['a', 3], ['b', 1]])` gives 'a' 75% of the time. */
export function weightedPicker<T>(choices: ReadonlyArray<readonly [T, number]>): (rng: Rng) => T {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  if (!(total > 0)) throw new Error('weightedPicker needs a positive total weight');
  const cumulative: number[] = [];
  let acc = 0;
  for (const [, w] of choices) {
    if (w < 0) throw new Error('weightedPicker weights must not be negative');
    acc += w / total;
    cumulative.push(acc);
  }
  return (rng) => {
    const u = rng();
    for (let i = 0; i < cumulative.length; i++) if (u < cumulative[i]) return choices[i][0];
    return choices[choices.length - 1][0];
  };
}
