import { expect, Locator, Page, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import {
  openIncident,
  screenshotPath,
  signInAs,
  simulatorControlUrl,
  cardWith,
} from './helpers';

/*
 * The open card changes while one looks at it: no reload, no navigation. Each test owns what it
 * changes (a pull request opened through the simulator's control API, which activity mode leaves
 * alone; an incident opened through the alert intake), so the demo's random activity cannot
 * interfere. Cards must say "live" first, so a change cannot pass as a poll.
 */

/** Generous for a busy 2-core machine; a live change normally shows within a second. */
const LIVE_CHANGE_TIMEOUT = 30_000;

/** Marks the page's window; the mark survives only if the page was never reloaded. */
async function watchForReloads(page: Page) {
  const mark = randomBytes(8).toString('hex');
  await page.evaluate(value => {
    (window as unknown as { pulseE2eMark: string }).pulseE2eMark = value;
  }, mark);
  const navigations: string[] = [];
  page.on('framenavigated', frame => {
    if (frame === page.mainFrame()) navigations.push(frame.url());
  });
  return async () => {
    expect(
      await page.evaluate(
        () => (window as unknown as { pulseE2eMark?: string }).pulseE2eMark,
      ),
    ).toBe(mark);
    expect(navigations).toEqual([]);
  };
}

/**
 * Notes in the page the instant (epoch ms) an element matching `selector` first holds all of
 * `texts`, so a timing is not rounded up to the assertion's polling interval. The assertions still
 * wait on the element; this only reads when it changed.
 */
async function stampWhenShown(page: Page, selector: string, texts: string[]) {
  await page.evaluate(
    ({ selector: watched, texts: wanted }) => {
      const w = window as unknown as { pulseE2eShownAt?: number };
      w.pulseE2eShownAt = undefined;
      const check = () => {
        if (w.pulseE2eShownAt !== undefined) return;
        for (const element of document.querySelectorAll(watched)) {
          const text = element.textContent ?? '';
          if (wanted.every(part => text.includes(part))) {
            w.pulseE2eShownAt = Date.now();
            observer.disconnect();
            return;
          }
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
      check();
    },
    { selector, texts },
  );
  return async () => {
    const shownAt = await page.evaluate(
      () => (window as unknown as { pulseE2eShownAt?: number }).pulseE2eShownAt,
    );
    expect(shownAt).toBeDefined();
    return shownAt!;
  };
}

function liveState(card: Locator) {
  return card.locator('[role="status"][data-live-state]').first();
}

function report(name: string, milliseconds: number) {
  const description = `${name}: ${milliseconds} ms`;
  test.info().annotations.push({ type: 'timing', description });
  // eslint-disable-next-line no-console
  console.log(`[timing] ${description}`);
}

test('a pull request merged on GitHub turns merged on the open card, with no reload', async ({
  page,
}) => {
  const title = `Live merge check (${randomBytes(4).toString('hex')})`;
  const opened = await fetch(
    `${simulatorControlUrl}/repos/acme/payments-api/pulls`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title }),
    },
  );
  expect(opened.status).toBe(201);
  const { number } = (await opened.json()) as { number: number };

  await signInAs(page, 'Chloé Martin');
  await page.goto('/catalog/default/component/payments-api/pulse');
  const card = cardWith(
    page,
    page.getByRole('tablist', { name: 'Pull request state' }),
  );
  await expect(liveState(card)).toHaveAttribute('data-live-state', 'live');
  const pull = card.getByTestId(`pull-request-${number}`);
  // The first sync may still be running when the page opens; the pull request lands with it.
  await expect(pull).toContainText(`#${number} ${title}`, {
    timeout: 150_000,
  });
  await expect(pull).toContainText('opened');
  await card.screenshot({ path: screenshotPath('live-pull-request-open') });

  await card.getByRole('tab', { name: 'Recently merged' }).click();
  await expect(
    card.getByRole('list', { name: 'merged pull requests' }),
  ).toBeVisible();
  await expect(pull).toHaveCount(0);
  await expect(liveState(card)).toHaveAttribute('data-live-state', 'live');
  const assertNoReload = await watchForReloads(page);
  const shownAt = await stampWhenShown(
    page,
    `[data-testid="pull-request-${number}"]`,
    [title, 'merged'],
  );

  const started = Date.now();
  const merged = await fetch(
    `${simulatorControlUrl}/repos/acme/payments-api/pulls/${number}/merge`,
    { method: 'POST' },
  );
  expect(merged.status).toBe(200);
  await expect(pull).toContainText(`#${number} ${title}`, {
    timeout: LIVE_CHANGE_TIMEOUT,
  });
  report(
    'merge in the simulator → merged on the open card',
    (await shownAt()) - started,
  );
  await expect(pull).toContainText('merged');
  await assertNoReload();

  await card.screenshot({ path: screenshotPath('live-pull-request-merged') });
});

test("a colleague's acknowledgement shows on the open on-call card, with no reload", async ({
  browser,
}) => {
  const title = `Ledger writes timing out (${randomBytes(4).toString('hex')})`;
  await openIncident('component:default/payments-api', title);

  const onCallCard = (page: Page) =>
    cardWith(page, page.getByRole('list', { name: 'Open incidents' }));
  const incidentIn = (card: Locator) =>
    card.getByRole('listitem').filter({ hasText: title });

  const watcherContext = await browser.newContext();
  const responderContext = await browser.newContext();
  try {
    const watcher = await watcherContext.newPage();
    await signInAs(watcher, 'Dev Patel');
    await watcher.goto('/catalog/default/component/payments-api/pulse');
    const watched = onCallCard(watcher);
    await expect(liveState(watched)).toHaveAttribute('data-live-state', 'live');
    await expect(incidentIn(watched)).toContainText('Triggered');
    await watched.screenshot({
      path: screenshotPath('live-incident-triggered'),
    });
    const assertNoReload = await watchForReloads(watcher);

    const responder = await responderContext.newPage();
    await signInAs(responder, 'Chloé Martin');
    await responder.goto('/catalog/default/component/payments-api/pulse');
    const responderCard = onCallCard(responder);
    await responderCard
      .getByRole('button', { name: `Acknowledge ${title}` })
      .click();
    const dialog = responder.getByRole('dialog');
    await expect(dialog.getByText('Acknowledge this incident?')).toBeVisible();

    const shownAt = await stampWhenShown(
      watcher,
      'ul[aria-label="Open incidents"] > li',
      [title, 'Acknowledged'],
    );
    const answer = responder.waitForResponse(
      response =>
        response.request().method() === 'POST' &&
        response.url().endsWith('/acknowledge'),
    );
    const started = Date.now();
    await dialog.getByRole('button', { name: 'Acknowledge' }).click();
    expect((await answer).status()).toBe(200);
    const answered = Date.now();
    await expect(responder.getByText(`Acknowledged "${title}"`)).toBeVisible();
    await expect(incidentIn(watched)).toContainText('Acknowledged', {
      timeout: LIVE_CHANGE_TIMEOUT,
    });
    const shown = await shownAt();
    report(
      'acknowledge confirmed → answered by the backend',
      answered - started,
    );
    report(
      'acknowledge confirmed in one context → acknowledged in the other',
      shown - started,
    );
    await expect(
      watched.getByRole('button', { name: `Acknowledge ${title}` }),
    ).toHaveCount(0);
    await assertNoReload();

    await responderCard.screenshot({
      path: screenshotPath('live-incident-acknowledging-context'),
    });
    await watched.screenshot({
      path: screenshotPath('live-incident-acknowledged'),
    });
  } finally {
    await watcherContext.close();
    await responderContext.close();
  }
});
