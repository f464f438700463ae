/** mulberry32: a small, fast, seedable PRNG; the simulation never touches Math.random. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Knuth's multiplication method for small means, a normal approximation for large ones. */
export function poisson(mean: number, random: () => number): number {
  if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError(`poisson mean must be a finite number >= 0, got ${mean}`);
  if (mean === 0) return 0;
  if (mean > 500) {
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * standardNormal(random)));
  }
  // Split large means so exp(-mean) does not underflow.
  let remaining = mean;
  let total = 0;
  while (remaining > 0) {
    const step = Math.min(remaining, 30);
    remaining -= step;
    const limit = Math.exp(-step);
    let product = random();
    while (product > limit) {
      total++;
      product *= random();
    }
  }
  return total;
}

/** Box-Muller. */
export function standardNormal(random: () => number): number {
  let u = random();
  while (u <= Number.MIN_VALUE) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** The (mu, sigma) of a lognormal distribution with the given mean and standard deviation. */
export function lognormalParameters(mean: number, sd: number): { mu: number; sigma: number } {
  if (!(mean > 0) || !(sd >= 0)) throw new RangeError(`lognormal needs mean > 0 and sd >= 0, got mean ${mean}, sd ${sd}`);
  const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
  return { mu: Math.log(mean) - sigma2 / 2, sigma: Math.sqrt(sigma2) };
}

/** Deterministic identifiers in the formats AWS uses, drawn from a seeded generator. */
export class IdFactory {
  private instanceCounter = 0;
  constructor(private readonly random: () => number) {}

  instanceId(): string {
    this.instanceCounter++;
    return `i-${this.instanceCounter.toString(16).padStart(17, '0')}`;
  }

  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += Math.floor(this.random() * 16).toString(16);
    return out;
  }

  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-a${this.hex(3)}-${this.hex(12)}`;
  }
}
