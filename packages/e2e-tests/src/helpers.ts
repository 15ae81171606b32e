import { expect, Locator, Page } from '@playwright/test';
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
/** The simulator's control API (packages/github-simulator/README.md). */
export const simulatorControlUrl = new URL('/_simulator', simulatorUrl).href;

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

/** Signs in through the demo's "sign in as" picker as one of the catalog's people. */
export async function signInAs(page: Page, displayName: string) {
  await page.goto('/');
  await page.getByRole('button', { name: `Sign in as ${displayName}` }).click();
  await expect(
    page.getByRole('heading', { name: 'Acme Catalog' }),
  ).toBeVisible();
}

/** Opens an incident on a service through the JSON alert intake; returns its id. */
export async function openIncident(entityRef: string, title: string) {
  const res = await fetch(`${backendUrl}/api/pulse/v1/alerts/json`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${alertToken}`,
    },
    body: JSON.stringify({
      entityRef,
      title,
      severity: 'error',
      dedupKey: title,
    }),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()).incidentId as string;
}

/** A Backstage token for one of the demo's people, from the demo sign-in provider. */
export async function tokenOf(userName: string) {
  const res = await fetch(`${backendUrl}/api/auth/demo/refresh`, {
    headers: { 'x-pulse-demo-user': userName },
  });
  expect(res.status).toBe(200);
  return (await res.json()).backstageIdentity.token as string;
}

export function screenshotPath(name: string) {
  return path.join(screenshotsDir, `${name}.png`);
}

/** The first card on the page that holds `part` (a Pulse card is found by what it shows). */
export function cardWith(page: Page, part: Locator) {
  return page.locator('.MuiCard-root').filter({ has: part }).first();
}
