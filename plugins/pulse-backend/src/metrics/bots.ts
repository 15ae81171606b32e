/**
 * Which GitHub logins are bots, by the login patterns of `pulse.metrics.botLogins` (default
 * `*[bot]`, GitHub's suffix for apps). Patterns are globs matched by minimatch, without
 * character classes: `[` and `]` are GitHub login characters here, not glob syntax.
 */
import { minimatch } from 'minimatch';

export type BotMatcher = (login: string) => boolean;

function literalBrackets(pattern: string): string {
  return pattern.replace(/[[\]]/g, character => `\\${character}`);
}

export function botMatcher(patterns: readonly string[]): BotMatcher {
  const globs = patterns.map(literalBrackets);
  return login =>
    globs.some(glob => minimatch(login, glob, { nocase: true, dot: true }));
}
