import { GitHubSimulator } from './GitHubSimulator';
import { CliUsageError, parseCliArgs, usage } from './cliArgs';

function fail(message: string): never {
  process.stderr.write(`github-simulator: ${message}\n`);
  process.exit(1);
}

function describeStartError(error: unknown, host: string, port: number) {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return `port ${port} on ${host} is already in use`;
  }
  if (code === 'EACCES') {
    return `no permission to listen on ${host}:${port}`;
  }
  if (code === 'EADDRNOTAVAIL') {
    return `address ${host} is not available`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Entry point of the `github-simulator` command. */
export async function main(
  argv: string[] = process.argv.slice(2),
): Promise<void> {
  let result;
  try {
    result = parseCliArgs(argv, process.env);
  } catch (error) {
    if (error instanceof CliUsageError) {
      fail(`${error.message} (see --help)`);
    }
    throw error;
  }
  if (result.kind === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }

  const host = result.options.host ?? '127.0.0.1';
  const port = result.options.port ?? 0;
  let simulator: GitHubSimulator;
  try {
    simulator = await GitHubSimulator.start({
      ...result.options,
      logger: {
        warn: message => process.stderr.write(`warning: ${message}\n`),
        error: message => process.stderr.write(`error: ${message}\n`),
      },
    });
  } catch (error) {
    fail(describeStartError(error, host, port));
  }
  const shutdown = () => {
    simulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.stdout.write(`GitHub simulator listening on ${simulator.url}\n`);
}
