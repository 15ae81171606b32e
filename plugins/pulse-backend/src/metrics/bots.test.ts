import { botMatcher } from './bots';

describe('botMatcher', () => {
  it('matches GitHub app logins by default pattern, brackets literal', () => {
    const isBot = botMatcher(['*[bot]']);
    expect(isBot('dependabot[bot]')).toBe(true);
    expect(isBot('Renovate[Bot]')).toBe(true);
    expect(isBot('dependabotb')).toBe(false);
    expect(isBot('alice')).toBe(false);
  });

  it('takes several patterns', () => {
    const isBot = botMatcher(['*[bot]', 'ci-*', 'release-robot']);
    expect(isBot('ci-runner')).toBe(true);
    expect(isBot('release-robot')).toBe(true);
    expect(isBot('release-robots')).toBe(false);
    expect(botMatcher([])('dependabot[bot]')).toBe(false);
  });
});
