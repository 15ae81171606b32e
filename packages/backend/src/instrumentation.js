// Exposes the backend's OpenTelemetry metrics (Backstage's own and Pulse's `pulse.*`) for
// Prometheus to scrape at http://localhost:9464/metrics (METRICS_PORT changes the port).
//
// Loaded with `--require` before the backend (see the `start` script), because plugins create
// their instruments from OpenTelemetry's global meter provider when they start, and a provider
// set later would not see them. In production: `node --require ./src/instrumentation.js .`.

// Worker threads load this file too; one exporter per process.
const { isMainThread } = require('node:worker_threads');

if (isMainThread) {
  const { metrics } = require('@opentelemetry/api');
  const { MeterProvider } = require('@opentelemetry/sdk-metrics');
  const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');

  const port = Number(process.env.METRICS_PORT || 9464);
  const exporter = new PrometheusExporter({ port }, error => {
    if (error) {
      // A taken port costs the metrics, not the portal.
      console.warn(`Metrics are not exposed on port ${port}: ${error.message}`);
    } else {
      console.log(`Metrics for Prometheus: http://localhost:${port}/metrics`);
    }
  });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
}
