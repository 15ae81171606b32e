import { FaultInjector } from './FaultInjector';

function kinds(injector: FaultInjector, count: number): string[] {
  return Array.from({ length: count }, () => injector.decide().fault.kind);
}

describe('FaultInjector', () => {
  it('repeats the same decisions for the same seed', () => {
    const faults = { errorRate: 0.2, timeoutRate: 0.1, dropRate: 0.1 };
    const first = kinds(new FaultInjector(5, faults), 200);
    expect(kinds(new FaultInjector(5, faults), 200)).toEqual(first);
    expect(kinds(new FaultInjector(6, faults), 200)).not.toEqual(first);
    expect(new Set(first)).toEqual(
      new Set(['none', 'error', 'timeout', 'drop']),
    );
  });

  it('injects roughly the configured fraction of errors', () => {
    const injector = new FaultInjector(1, { errorRate: 0.25 });
    const errors = kinds(injector, 4000).filter(
      kind => kind === 'error',
    ).length;
    expect(errors / 4000).toBeGreaterThan(0.22);
    expect(errors / 4000).toBeLessThan(0.28);
  });

  it('rejects exactly the next N requests after a secondary rate limit trigger', () => {
    const injector = new FaultInjector(1);
    injector.triggerSecondaryRateLimit({
      count: 2,
      status: 429,
      retryAfterSeconds: 9,
    });
    expect(injector.decide().fault).toEqual({
      kind: 'secondary',
      status: 429,
      retryAfterSeconds: 9,
    });
    expect(injector.decide().fault.kind).toBe('secondary');
    expect(injector.decide().fault.kind).toBe('none');
  });

  it('draws latency within the configured bounds', () => {
    const injector = new FaultInjector(3, {}, { minMs: 10, maxMs: 20 });
    const latencies = Array.from(
      { length: 500 },
      () => injector.decide().latencyMs,
    );
    expect(Math.min(...latencies)).toBe(10);
    expect(Math.max(...latencies)).toBe(20);
    expect(new FaultInjector(3, {}, 7).decide().latencyMs).toBe(7);
  });
});
