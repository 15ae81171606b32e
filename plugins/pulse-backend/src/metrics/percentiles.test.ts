import { percentile } from './percentiles';

describe('percentile', () => {
  it('is a measured value by nearest rank', () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 90)).toBe(50);
    expect(percentile(values, 20)).toBe(15);
    expect(percentile(values, 100)).toBe(50);
  });

  it('does not depend on the order of the values', () => {
    expect(percentile([3, 1, 2, 4], 50)).toBe(2);
    expect(percentile([4, 2, 1, 3], 75)).toBe(3);
  });

  it('has no value without measurements', () => {
    expect(percentile([], 50)).toBeNull();
  });

  it('refuses a percentile outside (0, 100]', () => {
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});
