import { Random, WeightedTable, hashSeed } from './random';

describe('Random', () => {
  it('is deterministic per seed and label', () => {
    const draw = (random: Random) =>
      Array.from({ length: 5 }, () => random.nextUint32());
    expect(draw(Random.from(1, 'a'))).toEqual(draw(Random.from(1, 'a')));
    expect(draw(Random.from(1, 'a'))).not.toEqual(draw(Random.from(1, 'b')));
    expect(hashSeed('x', 1)).toBe(hashSeed('x', 1));
    expect(hashSeed('x', 1)).not.toBe(hashSeed('x', 2));
  });

  it('produces values in range', () => {
    const random = new Random(9);
    for (let i = 0; i < 1000; i++) {
      const value = random.next();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      const int = random.int(3, 5);
      expect([3, 4, 5]).toContain(int);
    }
    expect(random.sha()).toMatch(/^[0-9a-f]{40}$/);
    expect(random.uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('picks by weight', () => {
    const random = new Random(4);
    const table = new WeightedTable([
      ['rare', 1],
      ['common', 9],
    ] as const);
    const picks = Array.from({ length: 5000 }, () => random.fromTable(table));
    const common =
      picks.filter(pick => pick === 'common').length / picks.length;
    expect(common).toBeGreaterThan(0.87);
    expect(common).toBeLessThan(0.93);
    const weighted = Array.from({ length: 5000 }, () =>
      random.weighted([
        ['a', 1],
        ['b', 3],
      ]),
    );
    expect(weighted.filter(pick => pick === 'b').length / 5000).toBeCloseTo(
      0.75,
      1,
    );
  });
});
