import { defineConfig } from '@playwright/test';
import path from 'node:path';

const resultsDir =
  process.env.PULSE_RESULTS_DIR ??
  path.resolve(__dirname, '../../test-results');

/** Browser tests against the running demo portal (scripts/dev.sh), in Debian's Chromium. */
export default defineConfig({
  testDir: './src',
  testMatch: '**/*.spec.ts',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  retries: 0,
  reporter: [
    ['list'],
    ['json', { outputFile: path.join(resultsDir, 'e2e.json') }],
  ],
  outputDir: path.join(resultsDir, 'e2e-artifacts'),
  use: {
    baseURL: process.env.PULSE_PORTAL_URL ?? 'http://localhost:3000',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    viewport: { width: 1440, height: 1000 },
    launchOptions: {
      executablePath: process.env.PULSE_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
