/**
 * Stopping a server the way users do. `npx tsx scripts/NN.ts --serve &` is four processes (npx,
 * sh, tsx, the server); Ctrl-C signals all of them, `kill $!` only npx. Either way nothing of the
 * command may be left listening or running.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readTable } from '../scripts/lib/proc-net.ts';
import { untilTrue, within } from '../scripts/lib/wait.ts';
import { commandLines, runningInGroup, startServingLikeAUser } from './lib/serve.ts';
import { linuxOnly } from './lib/tools.ts';

/** The ways users stop a server: Ctrl-C signals the terminal's whole job, `kill $!` only npx at its head. */
const STOPS = [
  { how: 'Ctrl-C (SIGINT to the group)', stop: (npx: number) => process.kill(-npx, 'SIGINT') },
  { how: 'kill $! (SIGTERM to npx alone)', stop: (npx: number) => process.kill(npx, 'SIGTERM') },
];

/**
 * Each way of stopping once, and each protocol once: the stop reaches the processes the same way
 * whatever the server holds. Each start costs four processes (npx, sh, tsx, the server), so the
 * suite runs two cases, not all four pairs.
 */
const CASES = [
  { name: '03-accept', table: 'tcp', ...STOPS[0] },
  { name: '10-udp-fire-and-forget', table: 'udp', ...STOPS[1] },
] as const;

// The cases wait mostly on process starts: run them side by side.
describe('a server started as users start one stops clean', { concurrency: true }, () => {
  for (const { name, table, how, stop } of CASES)
    test(`npx tsx scripts/${name}.ts --serve stops on ${how}: nothing of it listens or runs afterwards`, {
      skip: linuxOnly,
    }, async (t) => {
      const { command, port, pipesClosed } = await startServingLikeAUser(t, name);
      stop(command.pid!);
      await within(pipesClosed, 10_000, `every process of npx tsx scripts/${name}.ts --serve to exit`);
      // The pipes close in do_exit()'s exit_files(), a moment before exit_notify() makes the process a
      // zombie (kernel/exit.c): the group gets that moment, bounded, before the check of what still runs.
      try {
        await untilTrue(() => runningInGroup(command.pid!).length === 0, 2000, 'the group to empty');
      } catch {
        // The assertion below names what still runs.
      }
      const rows = (await readTable(table, [port])).filter(
        (row) => row.localPort === port && row.state !== 'TIME_WAIT',
      );
      assert.deepEqual(rows, [], `a ${table} socket is still bound to port ${port}`);
      assert.deepEqual(commandLines(runningInGroup(command.pid!)), [], 'processes of the command still running');
    });
});
