import { DORA_2023, doraLevel } from './doraBands';

const HOUR = 3600;
const DAY = 24 * HOUR;

describe('doraLevel', () => {
  it('bands each key by the 2023 table', () => {
    const level = (key: Parameters<typeof doraLevel>[1], value: number) =>
      doraLevel(DORA_2023, key, value, 100, 5);
    expect(level('deploymentFrequency', 10)).toBe('elite');
    expect(level('deploymentFrequency', 7)).toBe('elite');
    expect(level('deploymentFrequency', 2)).toBe('high');
    expect(level('deploymentFrequency', 0.5)).toBe('medium');
    expect(level('deploymentFrequency', 0.1)).toBe('low');
    expect(level('leadTime', 2 * HOUR)).toBe('elite');
    expect(level('leadTime', DAY)).toBe('high');
    expect(level('leadTime', 10 * DAY)).toBe('medium');
    expect(level('leadTime', 40 * DAY)).toBe('low');
    expect(level('changeFailureRate', 0.05)).toBe('elite');
    expect(level('changeFailureRate', 0.08)).toBe('high');
    expect(level('changeFailureRate', 0.15)).toBe('medium');
    expect(level('changeFailureRate', 0.3)).toBe('low');
    expect(level('timeToRestore', 30 * 60)).toBe('elite');
    expect(level('timeToRestore', 5 * HOUR)).toBe('high');
    expect(level('timeToRestore', 3 * DAY)).toBe('medium');
    expect(level('timeToRestore', 30 * DAY)).toBe('low');
  });

  it('says "not enough data" below the minimum sample or without a value', () => {
    expect(doraLevel(DORA_2023, 'leadTime', 60, 4, 5)).toBeNull();
    expect(doraLevel(DORA_2023, 'leadTime', null, 40, 5)).toBeNull();
    expect(doraLevel(DORA_2023, 'leadTime', 60, 5, 5)).toBe('elite');
  });

  it('names its year', () => {
    expect(DORA_2023.year).toBe(2023);
  });
});
