/**
 * Deterministic pseudo-random numbers. Every stream is derived from the
 * simulator seed plus a label, so that generating one repository never shifts
 * the numbers another repository (or the fault injector) sees.
 */

const HEX_DIGITS = '0123456789abcdef';
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) =>
  byte.toString(16).padStart(2, '0'),
);

/** Values with selection weights, prepared for repeated weighted picks. */
export class WeightedTable<T> {
  readonly values: T[];
  readonly cumulative: number[];

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    this.values = entries.map(([value]) => value);
    let total = 0;
    this.cumulative = entries.map(([, weight]) => (total += weight));
  }

  get total(): number {
    return this.cumulative[this.cumulative.length - 1] ?? 0;
  }
}

/** FNV-1a over the textual form of the parts, finished with a murmur3 mix. */
export function hashSeed(...parts: Array<string | number>): number {
  let hash = 0x811c9dc5;
  const text = parts.join('\u241f');
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Small fast generator (sfc32) seeded through splitmix32. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let state = seed >>> 0;
    const splitmix = () => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    for (let i = 0; i < 12; i++) {
      this.nextUint32();
    }
  }

  static from(...parts: Array<string | number>): Random {
    return new Random(hashSeed(...parts));
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, weight] of entries) {
      total += weight;
    }
    let target = this.next() * total;
    for (const [value, weight] of entries) {
      target -= weight;
      if (target < 0) {
        return value;
      }
    }
    return entries[entries.length - 1][0];
  }

  fromTable<T>(table: WeightedTable<T>): T {
    const target = this.next() * table.total;
    let low = 0;
    let high = table.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (table.cumulative[middle] > target) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    return table.values[low];
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }

  /** Standard normal variate (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  hex(length: number): string {
    let out = '';
    for (let produced = 0; produced < length; produced += 8) {
      const word = this.nextUint32();
      out +=
        BYTE_HEX[word >>> 24] +
        BYTE_HEX[(word >>> 16) & 255] +
        BYTE_HEX[(word >>> 8) & 255] +
        BYTE_HEX[word & 255];
    }
    return out.length === length ? out : out.slice(0, length);
  }

  sha(): string {
    return this.hex(40);
  }

  uuid(): string {
    const h = this.hex(32);
    const variant = HEX_DIGITS[8 + (parseInt(h[16], 16) & 3)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(
      13,
      16,
    )}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
