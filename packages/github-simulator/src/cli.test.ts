import { spawn } from 'node:child_process';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { CliUsageError, parseCliArgs } from './cliArgs';

const BIN = resolvePath(__dirname, '../bin/github-simulator');

describe('parseCliArgs', () => {
  it('maps flags to simulator options', () => {
    expect(
      parseCliArgs([
        '--port',
        '4010',
        '--host',
        '0.0.0.0',
        '--seed',
        '9',
        '--repositories',
        'acme/web, acme/api',
        '--pulls',
        '12',
        '--runs',
        '34',
        '--activity-interval-ms',
        '500',
        '--webhook-url',
        'http://127.0.0.1:7007/api/events/http/github',
        '--webhook-secret',
        's3cret',
        '--latency-ms',
        '20-80',
        '--error-rate',
        '0.1',
        '--tokens',
        'a,b',
        '--rate-limit',
        '100',
      ]),
    ).toEqual({
      kind: 'start',
      options: {
        port: 4010,
        host: '0.0.0.0',
        seed: 9,
        repositories: ['acme/web', 'acme/api'],
        pullsPerRepo: 12,
        runsPerRepo: 34,
        activity: { intervalMs: 500, stepSeconds: undefined },
        webhook: {
          url: 'http://127.0.0.1:7007/api/events/http/github',
          secret: 's3cret',
        },
        latencyMs: { minMs: 20, maxMs: 80 },
        faults: { errorRate: 0.1, timeoutRate: undefined, dropRate: undefined },
        tokens: ['a', 'b'],
        rateLimit: { limit: 100 },
      },
    });
  });

  it('reads environment variables, with flags taking precedence', () => {
    const env = {
      GITHUB_SIMULATOR_PORT: '5000',
      GITHUB_SIMULATOR_SEED: '3',
      GITHUB_SIMULATOR_LATENCY_MS: '15',
      GITHUB_SIMULATOR_ERROR_RATE: '0.5',
    };
    expect(parseCliArgs(['--seed', '4'], env)).toEqual({
      kind: 'start',
      options: {
        port: 5000,
        seed: 4,
        latencyMs: 15,
        faults: { errorRate: 0.5, timeoutRate: undefined, dropRate: undefined },
      },
    });
  });

  it('rejects unknown flags and malformed numbers', () => {
    expect(() => parseCliArgs(['--bogus'])).toThrow(CliUsageError);
    expect(() => parseCliArgs(['--port', 'eighty'])).toThrow(
      /--port expects a number/,
    );
    expect(() => parseCliArgs(['--webhook-secret', 'x'])).toThrow(
      /needs --webhook-url/,
    );
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
  });
});

function runCli(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: resolvePath(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => {
      stdout += chunk;
      if (stdout.includes('\n')) {
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', chunk => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', code => resolve({ code, stdout, stderr }));
  });
}

describe('github-simulator command', () => {
  it('prints its URL on one line and stops cleanly on SIGTERM', async () => {
    const result = await runCli(['--port', '0', '--repositories', 'acme/web']);
    expect(result.stdout).toMatch(
      /^GitHub simulator listening on http:\/\/127\.0\.0\.1:\d+\n$/,
    );
    expect(result.code).toBe(0);
  });

  it('exits with code 1 and a one-line message when the port is in use', async () => {
    const blocker = http.createServer();
    await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const result = await runCli(['--port', String(port)]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `github-simulator: port ${port} on 127.0.0.1 is already in use\n`,
      );
    } finally {
      await new Promise(resolve => blocker.close(resolve));
    }
  });

  it('reports invalid options on one line', async () => {
    const result = await runCli(['--repositories', 'not-a-repository']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(
      'repositories.0: must look like owner/name',
    );
  });
});
