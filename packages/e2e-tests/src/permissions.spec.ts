import { expect, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import {
  backendUrl,
  openIncident,
  screenshotPath,
  signInAs,
  tokenOf,
  cardWith,
} from './helpers';

/*
 * The demo policy lets a service's owners act on its incidents, and everyone else follow them.
 * payments-api belongs to the Payments team: Chloé Martin is on it, Farid Haddad (Storefront) is not.
 */

function onCallCard(page: import('@playwright/test').Page) {
  return cardWith(page, page.getByRole('list', { name: 'Open incidents' }));
}

test('an engineer of another team sees the incident but is not offered to acknowledge it; an owner is', async ({
  browser,
}) => {
  const title = `Refund queue stuck (${randomBytes(4).toString('hex')})`;
  const incidentId = await openIncident(
    'component:default/payments-api',
    title,
  );

  const outsider = await (await browser.newContext()).newPage();
  await signInAs(outsider, 'Farid Haddad');
  await outsider.goto('/catalog/default/component/payments-api/pulse');
  const outsiderCard = onCallCard(outsider);
  await expect(outsiderCard.getByText(title)).toBeVisible();
  await expect(
    outsiderCard.getByText(
      /acknowledging and resolving them is up to the\s+service's owners/,
    ),
  ).toBeVisible();
  await expect(
    outsiderCard.getByRole('button', { name: `Acknowledge ${title}` }),
  ).toHaveCount(0);
  await expect(
    outsiderCard.getByRole('button', { name: `Resolve ${title}` }),
  ).toHaveCount(0);
  await outsider.screenshot({
    path: screenshotPath('payments-api-as-another-team'),
    fullPage: true,
  });

  const owner = await (await browser.newContext()).newPage();
  await signInAs(owner, 'Chloé Martin');
  await owner.goto('/catalog/default/component/payments-api/pulse');
  const ownerCard = onCallCard(owner);
  await expect(ownerCard.getByText(title)).toBeVisible();
  await expect(
    ownerCard.getByRole('button', { name: `Acknowledge ${title}` }),
  ).toBeVisible();
  await owner.screenshot({
    path: screenshotPath('payments-api-as-owner'),
    fullPage: true,
  });

  // The backend refuses the outsider too, whatever a page offers.
  const refused = await fetch(
    `${backendUrl}/api/pulse/v1/incidents/${incidentId}/acknowledge`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenOf('farid.haddad')}` },
    },
  );
  expect(refused.status).toBe(403);
});
