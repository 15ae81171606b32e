import { expect, Page } from '@playwright/test';
import path from 'node:path';

/** Where screenshots go; `scripts/test.sh` collects them with the other results. */
export const screenshotsDir = path.join(
  process.env.PULSE_RESULTS_DIR ??
    path.resolve(__dirname, '../../../test-results'),
  'screenshots',
);

export const backendUrl =
  process.env.PULSE_BACKEND_URL ?? 'http://localhost:7007';
export const simulatorUrl =
  process.env.PULSE_SIMULATOR_URL ?? 'http://localhost:7010/api/v3';

/** The demo's monitoring token (app-config.yaml, backend.auth.externalAccess). */
export const alertToken =
  process.env.PULSE_DEMO_ALERT_TOKEN ?? 'pulse-demo-alerts-token';

export async function signInAsGuest(page: Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();
  await expect(
    page.getByRole('heading', { name: 'Acme Catalog' }),
  ).toBeVisible();
}

export function screenshotPath(name: string) {
  return path.join(screenshotsDir, `${name}.png`);
}
