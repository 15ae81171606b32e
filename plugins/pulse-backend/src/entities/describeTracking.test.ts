import { Entity } from '@backstage/catalog-model';
import { componentEntity } from '../__testUtils__/entities';
import { describeTracking, GithubHosts } from './describeTracking';

const hosts: GithubHosts = {
  htmlBaseUrl: host =>
    ({
      'github.com': 'https://github.com',
      'ghe.acme.example': 'https://ghe.acme.example',
    }[host]),
};
const now = new Date('2026-11-22T10:00:00Z');

function component(annotations: Record<string, string>): Entity {
  return componentEntity('payments-api', { annotations });
}

describe('describeTracking', () => {
  it('ignores entities without the annotation', () => {
    expect(describeTracking(component({}), hosts, now)).toBeUndefined();
  });

  it('links a github.com repository', () => {
    expect(
      describeTracking(
        component({ 'github.com/project-slug': 'acme/payments-api' }),
        hosts,
        now,
      ),
    ).toEqual({
      entityRef: 'component:default/payments-api',
      kind: 'component',
      namespace: 'default',
      name: 'payments-api',
      repository: {
        slug: 'acme/payments-api',
        owner: 'acme',
        name: 'payments-api',
        host: 'github.com',
        htmlUrl: 'https://github.com/acme/payments-api',
      },
      valid: true,
      problems: [],
      refreshedAt: '2026-11-22T10:00:00.000Z',
    });
  });

  it('takes a GitHub Enterprise host from the source location', () => {
    const tracked = describeTracking(
      component({
        'github.com/project-slug': 'payments/ledger',
        'backstage.io/source-location':
          'url:https://ghe.acme.example/payments/ledger/tree/main/',
      }),
      hosts,
      now,
    );
    expect(tracked?.repository).toMatchObject({
      host: 'ghe.acme.example',
      htmlUrl: 'https://ghe.acme.example/payments/ledger',
    });
    expect(tracked?.valid).toBe(true);
  });

  it('falls back to github.com when the source location is not a GitHub integration', () => {
    const tracked = describeTracking(
      component({
        'github.com/project-slug': 'acme/payments-api',
        'backstage.io/source-location':
          'url:https://gitlab.acme.example/acme/payments-api',
      }),
      hosts,
      now,
    );
    expect(tracked?.repository?.host).toBe('github.com');
  });

  it.each([
    ['acme'],
    ['acme/'],
    ['/payments-api'],
    ['acme/payments/api'],
    ['acme/pay ments'],
    ['acme/..'],
    [''],
  ])('reports a malformed slug %j as invalid with a reason', slug => {
    const tracked = describeTracking(
      component({ 'github.com/project-slug': slug }),
      hosts,
      now,
    );
    expect(tracked).toMatchObject({ repository: null, valid: false });
    expect(tracked?.problems[0]).toContain('must be "owner/repository"');
  });

  it('reports an unconfigured host', () => {
    const noGithubCom: GithubHosts = { htmlBaseUrl: () => undefined };
    const tracked = describeTracking(
      component({ 'github.com/project-slug': 'acme/payments-api' }),
      noGithubCom,
      now,
    );
    expect(tracked?.valid).toBe(false);
    expect(tracked?.problems).toEqual([
      'The GitHub host github.com is not configured in integrations.github.',
    ]);
  });
});
