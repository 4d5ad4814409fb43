/**
 * Everything the tour (`npm start`) says to a learner, in one place, so that a translation can
 * replace this module alone. Script output itself stays as the scripts print it.
 */
import type { Entry } from '../catalog.ts';
import { LEVEL_WORDS } from './levels.ts';

/** One line per concept: what to look at in its output, in plain words. */
export const LOOK_AT: Readonly<Record<string, string>> = {
  '01': 'the kernel: lines. One connection is two sockets, and each end has its own IP and port.',
  '02': 'the tcp: and udp: lines. Port 0 gets a free port; an address already taken gives EADDRINUSE.',
  '03': 'the server: lines. Each accept() gives a new socket with its own fd, on the same port.',
  '04': 'the client: lines. Only backlog + 1 clients get in at once; the others wait, with no error.',
  '05': 'the client: lines. Without bind(), the kernel picks the port; with no listener, ECONNREFUSED.',
  '06': 'the naive: and framer: lines. TCP keeps no message edges, so the program must mark them.',
  '07': 'the fd numbers. A socket takes a number from the same table as a file: the lowest free one.',
  '08': 'the pid: line. A PID names a process and a port names a socket: one process holds three ports.',
  '09': 'the kernel: lines. The kernel moves each end through its states, even before accept() is called.',
  '10': 'the udp: lines. sent = received + dropped: UDP loses messages, and nobody tells the sender.',
  '11': 'the tcp: and overhead: lines. TCP loses nothing and keeps no edges; it sends more packets.',
  '12': 'the clients: and kernel: lines. One thread serves every client; one epoll watches all sockets.',
  '13': 'the replies per worker. Three processes share one port, in three different ways.',
  '14': 'the A: and B: lines. B sees the address of A; a port is open only on the host that listens.',
  '15': 'the udp: and tcp: lines. UDP loses what the link drops; TCP sends it again, and all arrives.',
  '16': 'the A: lines. Only a timer notices a dead peer (ETIMEDOUT); a rebooted peer sends a reset.',
  '17': 'the client: lines. "localhost" may mean ::1 first, where a server on 127.0.0.1 is not.',
};

export const tourText = {
  usage: 'npm start [-- basics | NN ...]   (NN: a script number, such as 03)',
  levelWords: LEVEL_WORDS,
  intro: (count: number, basics: number, paced: boolean) =>
    `The tour: ${count} scripts in the notes' order; ${basics} are basics, ${count - basics} go deeper.` +
    (paced ? ' After each one: Enter for the next, q to stop.' : ''),
  heading: (entry: Entry) => `== ${entry.number}. ${entry.title} (${LEVEL_WORDS[entry.level]}) ==`,
  lookAt: (entry: Entry) => `Look at ${LOOK_AT[entry.number]}`,
  prompt: (next: Entry) => `Enter: next (${next.number}. ${next.title}). q: stop. `,
  failed: (script: string, ending: string) => `tour: ${script} ended with ${ending}`,
  exitCode: (code: number | null) => `exit code ${code}`,
  done: (completed: number, count: number) => `${completed} of ${count} scripts ran to completion.`,
  stopped: (completed: number, ran: number, next: Entry) =>
    `Stopped: ${completed} of ${ran} scripts ran to completion. To go on: npm start -- ${next.number}`,
  unknownWord: (word: string) => `"${word}" is neither basics nor a script number`,
};
