// Tests of scripts/demo-alerts.js's decisions: node --test scripts/
const assert = require('node:assert/strict');
const { createHash } = require('node:crypto');
const path = require('node:path');
const { describe, it } = require('node:test');
const {
  services,
  deploymentAlertKinds,
  readConfig,
  parseYamlMappings,
  catalogComponents,
  readRepositoryServices,
  createDeploymentTracker,
  deploymentsToCheck,
  recordDeploymentStatus,
  isLatestSuccess,
  chooseFollowUps,
  pollDeployments,
  followUpEntry,
  alert,
} = require('./demo-alerts');

const examples = path.join(__dirname, '..', 'examples');

function deployment(id, overrides = {}) {
  return {
    id,
    sha: `${String(id).padStart(4, '0')}${'a'.repeat(36)}`,
    environment: 'production',
    updated_at: '2026-01-01T00:00:00Z',
    url: `http://sim/repos/acme/x/deployments/${id}`,
    ...overrides,
  };
}

/** Random numbers from a list, in turn. */
function sequence(...values) {
  let index = 0;
  return () => values[index++ % values.length];
}

describe('the catalog', () => {
  it('maps each demo repository of examples/ to its component', () => {
    const byRepository = readRepositoryServices(examples);
    assert.deepEqual(
      Object.fromEntries(
        [...byRepository].map(([repository, c]) => [repository, c.entityRef]),
      ),
      {
        'acme/payments-api': 'component:default/payments-api',
        'acme/billing-worker': 'component:default/billing-worker',
        'acme/ledger-service': 'component:default/ledger-service',
        'acme/storefront-web': 'component:default/storefront-web',
        'acme/catalog-service': 'component:default/catalog-service',
        'acme/checkout-service': 'component:default/checkout-service',
      },
    );
  });

  it('has every service the random alerts page', () => {
    const names = [...readRepositoryServices(examples).values()].map(
      c => c.name,
    );
    assert.deepEqual([...services].sort(), [...names].sort());
  });

  it('reads names, namespaces and annotations, quoted or not, and skips the rest', () => {
    const text = [
      '# a comment',
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      "  name: 'web'",
      '  namespace: shop # where it lives',
      '  description: |',
      '    name: not-this',
      '  tags:',
      '    - name: nor-this',
      '  annotations:',
      '    "github.com/project-slug": acme/web',
      '    backstage.io/techdocs-ref: dir:.',
      'spec:',
      '  links: [{ url: "http://x" }]',
      '  owner: team',
      '---',
      'kind: Component',
      'metadata:',
      '  name: no-repository',
      '---',
      'kind: Group',
      'metadata:',
      '  name: team',
      '  annotations:',
      '    github.com/project-slug: acme/group',
    ].join('\n');
    assert.deepEqual(catalogComponents(text), [
      {
        name: 'web',
        entityRef: 'component:shop/web',
        repository: 'acme/web',
      },
    ]);
    assert.equal(
      parseYamlMappings(text.split('---')[0]).metadata.annotations[
        'backstage.io/techdocs-ref'
      ],
      'dir:.',
    );
  });
});

describe('which deployments are new', () => {
  it('takes the first listing as seen, then returns new production deployments, oldest first', () => {
    const tracker = createDeploymentTracker();
    assert.deepEqual(
      deploymentsToCheck(tracker, 'acme/x', [deployment(2), deployment(1)]),
      [],
    );
    const found = deploymentsToCheck(tracker, 'acme/x', [
      deployment(5),
      deployment(4, { environment: 'staging' }),
      deployment(3),
      deployment(2),
      deployment(1),
    ]);
    assert.deepEqual(
      found.map(d => d.id),
      [3, 5],
    );
  });

  it('keeps repositories apart', () => {
    const tracker = createDeploymentTracker();
    deploymentsToCheck(tracker, 'acme/x', [deployment(1)]);
    assert.deepEqual(
      deploymentsToCheck(tracker, 'acme/y', [deployment(2)]),
      [],
    );
    assert.deepEqual(
      deploymentsToCheck(tracker, 'acme/x', [deployment(2)]).map(d => d.id),
      [2],
    );
  });

  it('reads a pending deployment again only once it changed', () => {
    const tracker = createDeploymentTracker();
    deploymentsToCheck(tracker, 'acme/x', []);
    const running = deployment(1);
    assert.equal(
      recordDeploymentStatus(tracker, 'acme/x', running, 'in_progress'),
      'pending',
    );
    assert.deepEqual(deploymentsToCheck(tracker, 'acme/x', [running]), []);
    const changed = deployment(1, { updated_at: '2026-01-01T00:09:00Z' });
    assert.deepEqual(
      deploymentsToCheck(tracker, 'acme/x', [changed]).map(d => d.id),
      [1],
    );
  });

  it('says a deployment succeeded once, and never for a failed or superseded one', () => {
    const tracker = createDeploymentTracker();
    deploymentsToCheck(tracker, 'acme/x', []);
    const ok = deployment(1);
    assert.equal(
      recordDeploymentStatus(tracker, 'acme/x', ok, 'success'),
      'succeeded',
    );
    assert.equal(
      recordDeploymentStatus(tracker, 'acme/x', ok, 'success'),
      'ended',
    );
    assert.deepEqual(deploymentsToCheck(tracker, 'acme/x', [ok]), []);
    for (const [id, state] of [
      [2, 'failure'],
      [3, 'error'],
      [4, 'inactive'],
    ]) {
      assert.equal(
        recordDeploymentStatus(tracker, 'acme/x', deployment(id), state),
        'ended',
      );
    }
    assert.deepEqual(
      deploymentsToCheck(tracker, 'acme/x', [
        deployment(4),
        deployment(3),
        deployment(2),
      ]),
      [],
    );
  });

  it('knows the newest successful deployment', () => {
    const tracker = createDeploymentTracker();
    recordDeploymentStatus(tracker, 'acme/x', deployment(1), 'success');
    assert.equal(isLatestSuccess(tracker, 'acme/x', 1), true);
    recordDeploymentStatus(tracker, 'acme/x', deployment(3), 'success');
    recordDeploymentStatus(tracker, 'acme/x', deployment(2), 'success');
    assert.equal(isLatestSuccess(tracker, 'acme/x', 1), false);
    assert.equal(isLatestSuccess(tracker, 'acme/x', 2), false);
    assert.equal(isLatestSuccess(tracker, 'acme/x', 3), true);
    assert.equal(isLatestSuccess(tracker, 'acme/y', 3), false);
  });
});

describe('which deployments are followed', () => {
  const succeeded = [1, 2, 3].map(id => ({
    repository: 'acme/x',
    deployment: deployment(id),
  }));
  const delay = { minMs: 60_000, maxMs: 600_000 };

  it('follows those whose draw is below the rate, with a delay in range and a counted kind', () => {
    // Per deployment: the draw, then (if followed) the delay's and the kind's.
    const chosen = chooseFollowUps(succeeded, {
      rate: 0.3,
      delay,
      random: sequence(0.1, 0, 0, 0.5, 0.29, 0.999, 0.999),
    });
    assert.deepEqual(
      chosen.map(c => [c.deployment.id, c.delayMs, c.kind.alertname]),
      [
        [1, 60_000, deploymentAlertKinds[0].alertname],
        [3, 599_460, deploymentAlertKinds.at(-1).alertname],
      ],
    );
  });

  it('follows none at rate 0 and all at rate 1', () => {
    assert.equal(
      chooseFollowUps(succeeded, { rate: 0, delay, random: () => 0 }).length,
      0,
    );
    assert.equal(
      chooseFollowUps(succeeded, { rate: 1, delay, random: () => 0.999 })
        .length,
      3,
    );
  });

  it('pages only with severities the change failure rate counts', () => {
    assert.ok(deploymentAlertKinds.length > 0);
    for (const kind of deploymentAlertKinds) {
      assert.notEqual(kind.severity, 'warning');
    }
  });

  it("labels the alert with the deployment's sha", () => {
    const entry = followUpEntry(
      { name: 'web', entityRef: 'component:shop/web' },
      'acme/web',
      deployment(7),
      deploymentAlertKinds[0],
      new Date('2026-01-01T00:05:00Z'),
    );
    const body = alert(entry, 'firing');
    assert.equal(body.labels.entity_ref, 'component:shop/web');
    assert.equal(body.labels.deployment_sha, deployment(7).sha);
    assert.match(
      body.annotations.summary,
      /^web: .* after production deployment 0007aaa$/,
    );
    assert.equal(body.startsAt, '2026-01-01T00:05:00.000Z');
    assert.equal(
      entry.fingerprint,
      followUpEntry(
        { name: 'web' },
        'acme/web',
        deployment(7),
        deploymentAlertKinds[1],
      ).fingerprint,
    );
  });
});

describe('pollDeployments', () => {
  /** A GitHub-shaped fake: deployments per repository, newest first, with ETags. */
  function fakeGitHub() {
    const repositories = { 'acme/x': [], 'acme/y': [] };
    const statuses = new Map();
    const requests = [];
    let failing = false;
    const fetch = async (url, init) => {
      requests.push({ url, etag: init.headers['if-none-match'] });
      const respond = (status, body, etag) => ({
        status,
        ok: status < 300,
        headers: { get: name => (name === 'etag' ? etag : null) },
        json: async () => body,
        text: async () => JSON.stringify(body),
      });
      if (failing) {
        return respond(502, { message: 'Server Error' });
      }
      const list = /\/repos\/(\w+\/\w+)\/deployments\?/.exec(url);
      if (list) {
        const body = repositories[list[1]];
        const etag = `W/"${createHash('sha1')
          .update(JSON.stringify(body))
          .digest('hex')}"`;
        return init.headers['if-none-match'] === etag
          ? respond(304, undefined, etag)
          : respond(200, body, etag);
      }
      const id = Number(/\/deployments\/(\d+)\/statuses/.exec(url)[1]);
      return respond(200, [{ state: statuses.get(id) }]);
    };
    return {
      repositories,
      statuses,
      requests,
      fail: value => (failing = value),
      github: { url: 'http://sim', token: 't', fetch },
    };
  }
  const quiet = { error: () => {} };

  it('finds the deployments that succeeded since the last look, once', async () => {
    const sim = fakeGitHub();
    const tracker = createDeploymentTracker();
    sim.repositories['acme/x'].unshift(deployment(1));
    sim.statuses.set(1, 'success');
    const repos = ['acme/x', 'acme/y'];
    assert.deepEqual(
      await pollDeployments(tracker, repos, sim.github, quiet),
      [],
    );

    sim.repositories['acme/x'].unshift(deployment(2));
    sim.statuses.set(2, 'in_progress');
    sim.repositories['acme/y'].unshift(
      deployment(3, { environment: 'staging' }),
    );
    assert.deepEqual(
      await pollDeployments(tracker, repos, sim.github, quiet),
      [],
    );

    sim.repositories['acme/x'][0] = deployment(2, {
      updated_at: '2026-01-01T00:09:00Z',
    });
    sim.statuses.set(2, 'success');
    const found = await pollDeployments(tracker, repos, sim.github, quiet);
    assert.deepEqual(
      found.map(f => [f.repository, f.deployment.id]),
      [['acme/x', 2]],
    );
    assert.deepEqual(
      await pollDeployments(tracker, repos, sim.github, quiet),
      [],
    );
    const last = sim.requests.slice(-2);
    assert.ok(
      last.every(request => request.etag),
      'sends If-None-Match',
    );
    assert.match(last[0].url, /environment=production/);
  });

  it('logs a failing simulator and catches up on the next look', async () => {
    const sim = fakeGitHub();
    const tracker = createDeploymentTracker();
    await pollDeployments(tracker, ['acme/x'], sim.github, quiet);
    sim.repositories['acme/x'].unshift(deployment(1));
    sim.statuses.set(1, 'success');
    sim.fail(true);
    const logged = [];
    assert.deepEqual(
      await pollDeployments(tracker, ['acme/x'], sim.github, {
        error: message => logged.push(message),
      }),
      [],
    );
    assert.match(logged[0], /acme\/x.*502/);

    const unreachable = {
      ...sim.github,
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    };
    await pollDeployments(tracker, ['acme/x'], unreachable, quiet);

    sim.fail(false);
    const found = await pollDeployments(tracker, ['acme/x'], sim.github, quiet);
    assert.deepEqual(
      found.map(f => f.deployment.id),
      [1],
    );
  });
});

describe('readConfig', () => {
  it('has defaults', () => {
    const config = readConfig({});
    assert.equal(config.githubUrl, 'http://localhost:7010');
    assert.equal(config.pollMs, 30_000);
    assert.equal(config.followRate, 0.3);
    assert.deepEqual(config.delay, { minMs: 60_000, maxMs: 600_000 });
  });

  it('reads the rate and the delay, and refuses nonsense', () => {
    const config = readConfig({
      PULSE_DEMO_DEPLOY_ALERT_RATE: '1',
      PULSE_DEMO_DEPLOY_ALERT_DELAY_MS: '5000',
      PULSE_DEMO_GITHUB_URL: 'http://127.0.0.1:4010/api/v3/',
    });
    assert.equal(config.followRate, 1);
    assert.deepEqual(config.delay, { minMs: 5000, maxMs: 5000 });
    assert.equal(config.githubUrl, 'http://127.0.0.1:4010/api/v3');
    for (const env of [
      { PULSE_DEMO_DEPLOY_ALERT_RATE: '1.5' },
      { PULSE_DEMO_DEPLOY_ALERT_RATE: '' },
      { PULSE_DEMO_DEPLOY_ALERT_RATE: 'often' },
      { PULSE_DEMO_DEPLOY_ALERT_DELAY_MS: '10-5' },
      { PULSE_DEMO_DEPLOY_ALERT_DELAY_MS: 'soon' },
      { PULSE_DEMO_DEPLOY_POLL_MS: '0' },
    ]) {
      assert.throws(() => readConfig(env), /PULSE_DEMO_/);
    }
  });
});
