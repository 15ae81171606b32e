/**
 * A backend replica that dies between claim and send (the crash test's child process).
 *
 * It runs one escalation pass against the database in PULSE_CRASH_DB at the instant in
 * PULSE_CRASH_NOW. When the engine, holding its claim, starts to send the first page, it reports
 * `CLAIMED <key>` on stdout and hangs, waiting for the parent's SIGKILL.
 */
import knexFactory from 'knex';
import { createTestEngine, RecordingNotifications } from './engine';
import { configPolicySource, testOncallConfig } from './fixtures';

async function main() {
  const knex = knexFactory(JSON.parse(process.env.PULSE_CRASH_DB!));
  const now = new Date(process.env.PULSE_CRASH_NOW!);
  const config = testOncallConfig(
    JSON.parse(process.env.PULSE_CRASH_CONFIG ?? '{}'),
  );
  const notifications = new RecordingNotifications();
  notifications.onSend = options => {
    process.stdout.write(`CLAIMED ${options.payload.scope}\n`);
    return new Promise<void>(() => {});
  };
  const { runner } = createTestEngine({
    knex,
    config,
    clock: { now: () => now },
    policies: configPolicySource(config),
    notifications,
    replicaId: 'doomed-replica',
  });
  await runner.run();
  process.stdout.write('NOTHING-CLAIMED\n');
  await knex.destroy();
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
