import { metrics } from '@opentelemetry/api';
import {
  DataPointType,
  MeterProvider,
  MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { MetricsService } from '@backstage/backend-plugin-api/alpha';

/** A reader that exports nothing: tests call `collect()` themselves, so nothing waits on a timer. */
class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

type Attributes = Record<string, unknown>;

function matches(point: Attributes, wanted: Attributes): boolean {
  return Object.entries(wanted).every(([key, value]) => point[key] === value);
}

/**
 * A real OpenTelemetry SDK meter provider with an in-memory reader. `service` is a
 * `MetricsService` over it for code built by hand; `installGlobally()` makes it the process's
 * provider, which Backstage's own `metricsServiceFactory` (in every test backend) reads.
 */
export class TestMetrics {
  private readonly reader = new CollectingReader();
  readonly provider = new MeterProvider({ readers: [this.reader] });
  readonly service: MetricsService = this.provider.getMeter(
    'backstage-plugin-pulse',
  );

  installGlobally(): this {
    metrics.disable();
    metrics.setGlobalMeterProvider(this.provider);
    return this;
  }

  async shutdown(): Promise<void> {
    metrics.disable();
    await this.provider.shutdown();
  }

  /** Collects now and returns the named instrument's data. */
  async metric(name: string): Promise<MetricData | undefined> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) {
      throw errors[0];
    }
    for (const scope of resourceMetrics.scopeMetrics) {
      const found = scope.metrics.find(m => m.descriptor.name === name);
      if (found) {
        return found;
      }
    }
    return undefined;
  }

  /** A counter's total over the points whose attributes include `attributes`. */
  async sum(name: string, attributes: Attributes = {}): Promise<number> {
    const data = await this.metric(name);
    if (!data) {
      return 0;
    }
    if (data.dataPointType !== DataPointType.SUM) {
      throw new Error(`${name} is not a counter`);
    }
    return data.dataPoints
      .filter(p => matches(p.attributes, attributes))
      .reduce((total, p) => total + p.value, 0);
  }

  /** A histogram's count and sum over the points whose attributes include `attributes`. */
  async histogram(
    name: string,
    attributes: Attributes = {},
  ): Promise<{ count: number; sum: number; unit: string }> {
    const data = await this.metric(name);
    if (!data) {
      return { count: 0, sum: 0, unit: '' };
    }
    if (data.dataPointType !== DataPointType.HISTOGRAM) {
      throw new Error(`${name} is not a histogram`);
    }
    return data.dataPoints
      .filter(p => matches(p.attributes, attributes))
      .reduce(
        (total, p) => ({
          count: total.count + p.value.count,
          sum: total.sum + (p.value.sum ?? 0),
          unit: total.unit,
        }),
        { count: 0, sum: 0, unit: data.descriptor.unit },
      );
  }

  /** Every point of a gauge, as attributes and value. */
  async gauge(
    name: string,
  ): Promise<Array<{ attributes: Attributes; value: number }>> {
    const data = await this.metric(name);
    if (!data) {
      return [];
    }
    if (data.dataPointType !== DataPointType.GAUGE) {
      throw new Error(`${name} is not a gauge`);
    }
    return data.dataPoints.map(p => ({
      attributes: p.attributes,
      value: p.value,
    }));
  }

  /** The attribute sets an instrument has recorded. */
  async attributeSets(name: string): Promise<Attributes[]> {
    const data = await this.metric(name);
    return (data?.dataPoints ?? []).map(p => p.attributes as Attributes);
  }
}
