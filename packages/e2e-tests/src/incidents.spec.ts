import { expect, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import {
  alertToken,
  backendUrl,
  screenshotPath,
  signInAsGuest,
  cardWith,
} from './helpers';

test('an on-call engineer acknowledges an incident from the service page', async ({
  page,
}) => {
  const marker = randomBytes(4).toString('hex');
  const summary = `Checkout error rate above 5% (${marker})`;
  // Pulse titles Alertmanager incidents "<alertname>: <summary>".
  const title = `CheckoutErrors-${marker}: ${summary}`;
  const res = await fetch(`${backendUrl}/api/pulse/v1/alerts/alertmanager`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${alertToken}`,
    },
    body: JSON.stringify({
      version: '4',
      receiver: 'pulse',
      status: 'firing',
      groupKey: `{}:{alertname="CheckoutErrors-${marker}"}`,
      groupLabels: { alertname: `CheckoutErrors-${marker}` },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager.demo.invalid',
      truncatedAlerts: 0,
      alerts: [
        {
          status: 'firing',
          labels: {
            alertname: `CheckoutErrors-${marker}`,
            severity: 'critical',
            entity_ref: 'component:default/checkout-service',
          },
          annotations: { summary },
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.demo.invalid/graph',
          fingerprint: marker,
        },
      ],
    }),
  });
  expect(res.status).toBeLessThan(300);

  await signInAsGuest(page);
  await page.goto('/catalog/default/component/checkout-service/pulse');

  const card = cardWith(
    page,
    page.getByRole('list', { name: 'Open incidents' }),
  );
  await expect(card.getByText(title)).toBeVisible();

  await card.getByRole('button', { name: `Acknowledge ${title}` }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText('Acknowledge this incident?')).toBeVisible();
  await dialog.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(page.getByText(`Acknowledged "${title}"`)).toBeVisible();

  await page.screenshot({
    path: screenshotPath('checkout-service-incident-acknowledged'),
    fullPage: true,
  });
});
