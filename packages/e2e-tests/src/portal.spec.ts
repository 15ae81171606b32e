import { expect, test } from '@playwright/test';
import { screenshotPath, signInAsGuest } from './helpers';

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

test('a component page shows the Pulse card with its linked repository', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/payments-api');
  await expect(
    page.getByRole('heading', { name: 'payments-api' }).first(),
  ).toBeVisible();

  const card = page
    .locator('article, .MuiCard-root')
    .filter({ hasText: 'Pulse' })
    .first();
  await expect(card).toBeVisible();
  await expect(
    card.getByRole('link', { name: 'acme/payments-api' }),
  ).toHaveAttribute('href', 'https://github.com/acme/payments-api');
  await expect(card).toContainText('github.com');
  await page.screenshot({
    path: screenshotPath('payments-api'),
    fullPage: true,
  });
});

test('a component without a repository shows no Pulse card', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/status-page');
  await expect(
    page.getByRole('heading', { name: 'status-page' }).first(),
  ).toBeVisible();
  await expect(page.getByText('acme/', { exact: false })).toHaveCount(0);
});
