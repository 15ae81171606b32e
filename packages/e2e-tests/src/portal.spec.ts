import { expect, test } from '@playwright/test';
import { screenshotPath, signInAsGuest, cardWith } from './helpers';

test('the demo portal lists the demo services in its catalog', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.getByText('All', { exact: true }).click();
  await expect(page.getByRole('link', { name: 'payments-api' })).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'checkout-service' }),
  ).toBeVisible();
  await page.screenshot({ path: screenshotPath('catalog'), fullPage: true });
});

test("a component's Overview shows Pulse at a glance, linking to its Pulse tab with the linked repository", async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/payments-api');
  await expect(
    page.getByRole('heading', { name: 'payments-api' }).first(),
  ).toBeVisible();

  const glance = page.getByLabel('Pulse at a glance');
  const card = cardWith(page, glance);
  await expect(card).toBeVisible();
  for (const line of ['Pull requests', 'CI', 'On call now', 'Incidents']) {
    await expect(glance.getByText(line, { exact: true })).toBeVisible();
  }
  // The first sync may still be running: the lines fill in as it lands.
  await expect(glance.getByText(/open pull requests?|open, /)).toBeVisible({
    timeout: 150_000,
  });
  // The Overview no longer stacks every Pulse card.
  await expect(
    page.getByRole('tablist', { name: 'Pull request state' }),
  ).toHaveCount(0);
  await page.screenshot({
    path: screenshotPath('payments-api'),
    fullPage: true,
  });

  await card.getByRole('link', { name: /Open the Pulse tab/ }).click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/component\/payments-api\/pulse$/,
  );
  await expect(
    page.getByRole('link', { name: 'acme/payments-api' }).first(),
  ).toHaveAttribute('href', 'https://github.com/acme/payments-api');
});

test('a component without a repository shows its on-call at a glance, and no repository', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/status-page');
  await expect(
    page.getByRole('heading', { name: 'status-page' }).first(),
  ).toBeVisible();
  const glance = page.getByLabel('Pulse at a glance');
  await expect(glance.getByText('On call now', { exact: true })).toBeVisible();
  await expect(glance.getByText('Pull requests', { exact: true })).toHaveCount(
    0,
  );
  await expect(page.getByText('acme/', { exact: false })).toHaveCount(0);
});

test("a component's Pulse tab puts pull requests and runs side by side on a wide screen and stacks them on a narrow one", async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.goto('/catalog/default/component/checkout-service');
  await page.getByRole('link', { name: 'Pulse', exact: true }).click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/component\/checkout-service\/pulse$/,
  );

  const prCard = cardWith(
    page,
    page.getByRole('tablist', { name: 'Pull request state' }),
  );
  const runsCard = cardWith(
    page,
    page.getByRole('table', { name: 'Recent workflow runs' }),
  );
  await expect(prCard).toBeVisible({ timeout: 60_000 });
  await expect(runsCard).toBeVisible({ timeout: 60_000 });
  await expect(
    page.getByRole('link', { name: 'acme/checkout-service' }).first(),
  ).toBeVisible();

  const top = async (card: typeof prCard) => (await card.boundingBox())!.y;
  const left = async (card: typeof prCard) => (await card.boundingBox())!.x;
  expect(await top(runsCard)).toBe(await top(prCard));
  expect(await left(runsCard)).toBeGreaterThan(await left(prCard));
  await page.screenshot({
    path: screenshotPath('checkout-service-pulse-tab-1440'),
    fullPage: true,
  });

  await page.setViewportSize({ width: 800, height: 1000 });
  await expect
    .poll(async () => (await top(runsCard)) > (await top(prCard)))
    .toBe(true);
  expect(await left(runsCard)).toBe(await left(prCard));
  await page.screenshot({
    path: screenshotPath('checkout-service-pulse-tab-800'),
    fullPage: true,
  });
});
