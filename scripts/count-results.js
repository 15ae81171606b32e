#!/usr/bin/env node
// Prints "passed failed skipped" from a Jest or Playwright JSON report or a node:test TAP report; a missing or unreadable
// report counts as one failure so that a crashed runner never looks green.
const fs = require('node:fs');

const [kind, file] = process.argv.slice(2);

function countJest(report) {
  const failedSuites = report.testResults.filter(
    r => r.status === 'failed' && r.assertionResults.length === 0,
  ).length;
  return [
    report.numPassedTests,
    report.numFailedTests + failedSuites,
    report.numPendingTests + report.numTodoTests,
  ];
}

function countPlaywright(report) {
  const {
    expected = 0,
    unexpected = 0,
    flaky = 0,
    skipped = 0,
  } = report.stats ?? {};
  return [expected + flaky, unexpected + (report.errors?.length ?? 0), skipped];
}

/** The summary lines node:test ends its TAP output with (`# pass 16`, `# fail 0`, ...). */
function countTap(text) {
  const total = name => {
    const match = text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'));
    if (!match) {
      throw new Error(`no '# ${name}' line`);
    }
    return Number(match[1]);
  };
  return [
    total('pass'),
    total('fail') + total('cancelled'),
    total('skipped') + total('todo'),
  ];
}

try {
  const text = fs.readFileSync(file, 'utf8');
  const counts =
    kind === 'tap'
      ? countTap(text)
      : kind === 'jest'
      ? countJest(JSON.parse(text))
      : countPlaywright(JSON.parse(text));
  process.stdout.write(`${counts.join(' ')}\n`);
} catch (error) {
  process.stderr.write(
    `cannot read ${kind} results from ${file}: ${error.message}\n`,
  );
  process.stdout.write('0 1 0\n');
}
