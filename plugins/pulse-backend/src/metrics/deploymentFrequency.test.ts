import { metricsWindow } from './days';
import { deploymentFrequency } from './deploymentFrequency';

const deploy = (id: string, at: string) => ({
  id,
  environment: 'production',
  sha: id,
  succeededAt: new Date(at),
});

describe('deploymentFrequency', () => {
  const now = new Date('2026-12-14T12:00:00Z');

  it('is zero, with a median of zero deployment days, without deployments', () => {
    const result = deploymentFrequency(metricsWindow(now, 14, 'UTC'), []);
    expect(result).toMatchObject({
      count: 0,
      perDay: 0,
      perWeek: 0,
      medianDeploymentDaysPerWeek: 0,
    });
    expect(result.daily).toHaveLength(14);
  });

  it('counts per day in the zone and deployment days per week', () => {
    // Window: 2026-12-01 .. 2026-12-14 (two weeks: 1–7 and 8–14).
    const deployments = [
      deploy('a', '2026-12-01T09:00:00Z'),
      deploy('b', '2026-12-01T15:00:00Z'),
      deploy('c', '2026-12-03T09:00:00Z'),
      // 23:30 UTC on the 7th is the 8th in Berlin.
      deploy('d', '2026-12-07T23:30:00Z'),
      deploy('e', '2026-12-10T09:00:00Z'),
      deploy('f', '2026-12-12T09:00:00Z'),
      deploy('g', '2026-12-13T09:00:00Z'),
      // Before the window, and after its end.
      deploy('old', '2026-11-30T09:00:00Z'),
      deploy('future', '2026-12-14T13:00:00Z'),
    ];
    const utc = deploymentFrequency(metricsWindow(now, 14, 'UTC'), deployments);
    expect(utc.count).toBe(7);
    expect(utc.perDay).toBe(0.5);
    expect(utc.perWeek).toBe(3.5);
    // Week 1: days 1, 3, 7 → 3; week 2: days 10, 12, 13 → 3.
    expect(utc.medianDeploymentDaysPerWeek).toBe(3);
    expect(utc.daily.find(day => day.day === '2026-12-01')?.count).toBe(2);
    expect(utc.daily.find(day => day.day === '2026-12-07')?.count).toBe(1);

    const berlin = deploymentFrequency(
      metricsWindow(now, 14, 'Europe/Berlin'),
      deployments,
    );
    expect(berlin.daily.find(day => day.day === '2026-12-07')?.count).toBe(0);
    expect(berlin.daily.find(day => day.day === '2026-12-08')?.count).toBe(1);
    // Week 1: days 1, 3 → 2; week 2: 8, 10, 12, 13 → 4; median (nearest rank) of [2, 4] is 2.
    expect(berlin.medianDeploymentDaysPerWeek).toBe(2);
  });

  it('has no weekly median for a window shorter than a week', () => {
    const result = deploymentFrequency(metricsWindow(now, 3, 'UTC'), [
      deploy('a', '2026-12-13T09:00:00Z'),
    ]);
    expect(result.medianDeploymentDaysPerWeek).toBeNull();
    expect(result.perWeek).toBeCloseTo(7 / 3);
  });
});
