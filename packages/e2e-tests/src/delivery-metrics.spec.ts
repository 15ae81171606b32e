import { expect, test } from '@playwright/test';
import { screenshotPath, signInAsGuest, cardWith } from './helpers';

test('a service page shows its delivery metrics, and a number opens what it counts', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/checkout-service/pulse');

  const card = cardWith(page, page.getByRole('group', { name: 'Window' }));
  // The first sync, then the aggregation it triggers, may still be running when the page opens:
  // the card shows "not computed yet" and fills in when the metrics hint arrives.
  const frequency = card.getByRole('button', {
    name: /^Deployment frequency: /,
  });
  await expect(frequency).toBeVisible({ timeout: 180_000 });
  await card.getByRole('button', { name: 'Last 30 days' }).click();
  await expect(card.getByText(/to \d{4}-\d{2}-\d{2} \(UTC\)/)).toBeVisible();
  await expect(
    card.getByRole('button', { name: /^Lead time for changes: / }),
  ).toBeVisible();
  await expect(
    card.getByRole('table', { name: 'CI health per workflow and branch' }),
  ).toBeVisible();
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({
    path: screenshotPath('checkout-service-delivery-metrics'),
  });

  await frequency.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText(/^Deployments · last 30 days$/)).toBeVisible();
  await expect(
    dialog.getByText(/^production: [0-9a-f]{7} \(/).first(),
  ).toBeVisible();
  await page.screenshot({
    path: screenshotPath('checkout-service-delivery-metrics-drilldown'),
  });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
});

test("a team's page shows its services' delivery metrics side by side", async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/group/storefront');

  const card = cardWith(page, page.getByRole('group', { name: 'Window' }));
  const members = card.getByRole('table', {
    name: 'Delivery metrics per member',
  });
  // As on the service page: the aggregation may still be running when the page opens.
  await expect(members).toBeVisible({ timeout: 180_000 });
  await expect(
    members.getByRole('row').filter({ hasText: 'checkout-service' }),
  ).toBeVisible();
  await expect(
    card.getByRole('button', { name: /^Deployment frequency: / }),
  ).toBeVisible();
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: screenshotPath('storefront-team-metrics') });

  await card.getByRole('button', { name: /^Change failure rate: / }).click();
  const dialog = page.getByRole('dialog');
  await expect(
    dialog.getByText(/^Deployments that failed · last \d+ days$/),
  ).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
});

test('a service page shows its deployments per environment, with what production shipped', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/checkout-service/pulse');

  const card = cardWith(
    page,
    page.getByRole('table', { name: 'Deployment history' }),
  );
  const environments = card.getByRole('table', {
    name: 'Latest deployment per environment',
  });
  // The deployments come from the repository the aggregation computed the entity from.
  await expect(environments).toBeVisible({ timeout: 180_000 });
  const production = environments
    .getByRole('row')
    .filter({ hasText: /^production/ });
  await expect(production).toBeVisible();
  await expect(production.getByText(/^[0-9a-f]{7}$/).first()).toBeVisible();
  await expect(
    environments.getByRole('row').filter({ hasText: /^staging/ }),
  ).toBeVisible();
  await expect(
    card.getByRole('table', { name: 'Deployment history' }).getByRole('row'),
  ).toHaveCount(11);
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({
    path: screenshotPath('checkout-service-deployments'),
  });
});
