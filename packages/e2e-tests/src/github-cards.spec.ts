import { expect, test } from '@playwright/test';
import {
  screenshotPath,
  signInAsGuest,
  simulatorUrl,
  cardWith,
} from './helpers';

interface SimulatedPull {
  number: number;
  title: string;
}
interface SimulatedRuns {
  workflow_runs: Array<{ name: string; head_branch: string }>;
}

async function fromSimulator<T>(path: string): Promise<T> {
  const res = await fetch(`${simulatorUrl}${path}`, {
    headers: { authorization: 'token pulse-demo-token' },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

test('a service page shows the pull requests and workflow runs GitHub holds', async ({
  page,
}) => {
  const pulls = await fromSimulator<SimulatedPull[]>(
    '/repos/acme/checkout-service/pulls?state=open&sort=updated&direction=desc&per_page=3',
  );
  const runs = await fromSimulator<SimulatedRuns>(
    '/repos/acme/checkout-service/actions/runs?per_page=20',
  );
  expect(pulls.length).toBeGreaterThan(0);
  expect(runs.workflow_runs.length).toBeGreaterThan(0);

  await signInAsGuest(page);
  await page.goto('/catalog/default/component/checkout-service/pulse');

  const prCard = cardWith(
    page,
    page.getByRole('tablist', { name: 'Pull request state' }),
  );
  await expect(prCard).toBeVisible();
  // The first sync may still be running when the page opens; the card fills in as it lands.
  for (const pull of pulls) {
    await expect(
      prCard.getByText(pull.title, { exact: false }).first(),
    ).toBeVisible({
      timeout: 150_000,
    });
  }

  const runsCard = cardWith(
    page,
    page.getByRole('table', { name: 'Recent workflow runs' }),
  );
  await expect(runsCard).toBeVisible();
  const workflowNames = [...new Set(runs.workflow_runs.map(r => r.name))];
  await expect(runsCard.getByText(workflowNames[0]).first()).toBeVisible({
    timeout: 150_000,
  });

  await page.screenshot({
    path: screenshotPath('checkout-service-github'),
    fullPage: true,
  });
});
