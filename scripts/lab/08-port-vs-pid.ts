/**
 * The lab of 08-port-vs-pid: runs the lesson (scripts/08-port-vs-pid.ts) in a child process of
 * its own and looks up each of its ports as it binds them, with the lookup the `--port` tool uses
 * (lib/port-lookup.ts): one PID behind three ports, then one socket in several processes once the
 * lesson hands its first listener to helpers, then nobody once they are gone. Also --json,
 * --mermaid and the questions of `npm run exercise -- 08`.
 *
 * The lookup is also a tool: `--port P` answers "who is using port P?" for any socket on this
 * machine, TCP and UDP, IPv4 and IPv6, the way `ss -p` and `lsof -i` find out: rows of
 * /proc/net/{tcp,tcp6,udp,udp6} give each socket's inode, and a scan of every /proc/PID/fd
 * finds the descriptors that link to "socket:[inode]".
 */
import {
  defineScript,
  integerFlag,
  isMain,
  runScript,
  UsageError,
  type Line,
  defineKnobs,
  formatEndpoint,
} from '../lib/cli.ts';
import type { NodeChild } from '../lib/child.ts';
import { lookupPort, type PortHolder } from '../lib/port-lookup.ts';
import { label } from '../lib/mermaid.ts';
import { type Exercise, same } from '../lib/questions.ts';

/**
 * `--port P` is also a tool, timed against Node starting an empty file (npm run bench:lookup): it
 * loads no more than it uses. What only the demo needs (child processes, waiting) is imported when
 * the demo runs, and the exercise's type is a type only.
 */
const demoHelpers = async () => ({ ...(await import('../lib/child.ts')), ...(await import('../lib/wait.ts')) });

const HOST = '127.0.0.1';
const STEP_TIMEOUT_MS = 3000;
/** The lesson ends in well under a second; the bound (per process it starts) only keeps a broken one from hanging. */
const LESSON_TIMEOUT_MS = 15_000;
const MAX_SHARERS = 8;
/** The exercise's knob: the same number and range as --sharers. */
export const KNOBS = defineKnobs({ SHARERS: { fallback: 1, min: 0, max: MAX_SHARERS } });
const { SHARERS } = KNOBS.knobs;
export const HIDDEN_OWNER = "owner hidden (another user's process; run as root to see)";
/** Even root may be refused (a process outside this user namespace, or guarded by a security module). */
const HIDDEN_FROM_ROOT = 'owner hidden (its process refuses even root a look at its descriptors)';

// ---- Watching the lesson run, in a process of its own ----

/** The lesson's child (see children/08-watched-lesson.ts): the lesson, watched from inside its process. */
const WATCHED_LESSON = new URL('../children/08-watched-lesson.ts', import.meta.url);

/** What the watched lesson reports: its PID, its ports and the lookups made while it ran. */
export type LessonRun = Omit<PortVsPidObservations, 'ourPid' | 'afterExit'>;

/**
 * The sockets on `port` in the `protocol`'s IPv4 table that a process holds: other programs' old
 * connections may linger in TIME_WAIT on the same port number, held by the kernel alone.
 */
export const heldByProcesses = (port: number, protocol: ListenSpec['protocol']) =>
  lookupPort(port, [protocol]).filter((holder) => holder.owner !== 'kernel');

/** Runs the lesson with `sharers` helpers in a child process; the lookups come from that run. */
export async function observePortVsPid(sharers = 1): Promise<PortVsPidObservations> {
  const { startNodeChild, until } = await demoHelpers();
  const child = await startNodeChild({ module: WATCHED_LESSON, args: [String(sharers)] });
  try {
    // One PID behind three ports, then several PIDs behind the first: the lesson's own steps.
    const run = await child.next<LessonRun>(
      LESSON_TIMEOUT_MS * (1 + sharers),
      `the lesson to run with ${sharers} helper(s) and close everything`,
    );
    await child.stop();
    // The lesson waited for its helpers to exit and closed its sockets; with its process gone, nobody holds them.
    const afterExit = await until(
      () => {
        const lookups = run.ports.map(({ protocol, port }) => heldByProcesses(port, protocol));
        return lookups.every((holders) => holders.length === 0) ? lookups : undefined;
      },
      STEP_TIMEOUT_MS,
      'the ports to be free once the lesson and its helpers exited',
    );
    return { ourPid: process.pid, ...run, afterExit };
  } finally {
    await child.stop(); // a second stop() of a child that has exited returns at once
  }
}

// ---- For the tool's tests: a child that binds what it is asked to, and shares its first listener ----

export interface ListenSpec {
  protocol: 'tcp' | 'udp';
  host: string;
}

export interface PortHolderChild {
  pid: number;
  /** What the child listens on, in the order asked for, each with the port the kernel chose. */
  ports: Array<ListenSpec & { port: number }>;
  /** Starts `count` helpers and hands each the child's first TCP listener; resolves with their PIDs. */
  share(count: number): Promise<number[]>;
  stop(): Promise<void>;
}

/** The child and its helpers, modules of their own: see children/08-port-holder.ts. */
const PORT_HOLDER = new URL('../children/08-port-holder.ts', import.meta.url);

/** Starts a child that listens as `specs` say; stopping it also ends its helpers (their IPC channel closes). */
export async function startPortHolderChild(specs: readonly ListenSpec[]): Promise<PortHolderChild> {
  const { startNodeChild } = await demoHelpers();
  const child: NodeChild = await startNodeChild({ module: PORT_HOLDER, args: [JSON.stringify(specs)] });
  try {
    const { ports } = await child.next<{ ports: PortHolderChild['ports'] }>(STEP_TIMEOUT_MS, 'the child to listen');
    return {
      pid: child.pid,
      ports,
      async share(count: number): Promise<number[]> {
        child.send({ share: count });
        return (
          await child.next<{ helpers: number[] }>(STEP_TIMEOUT_MS * (1 + count), 'the helpers to hold the listener')
        ).helpers;
      },
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

export interface PortVsPidObservations {
  ourPid: number;
  childPid: number;
  ports: Array<ListenSpec & { port: number }>;
  /** The lookup of each port while only the child holds it. */
  alone: PortHolder[][];
  helperPids: number[];
  /** The lookup of the shared port once the helpers hold its listener too. */
  shared: PortHolder[];
  /** The lookup of each port after the child and its helpers are gone. */
  afterExit: PortHolder[][];
}

// ---- Rendering ----

const specText = ({ host, port }: ListenSpec & { port: number }) => formatEndpoint({ address: host, port });

function ownersText(holder: PortHolder): string {
  if (holder.owner === 'process') return holder.pids.map(({ pid, command }) => `pid ${pid} (${command})`).join(', ');
  // The kernel checks the effective uid (and capabilities) when a process reads another's descriptors.
  if (holder.owner === 'hidden') return process.geteuid!() === 0 ? HIDDEN_FROM_ROOT : HIDDEN_OWNER;
  if (holder.owner === 'kernel') return 'no process: the kernel keeps this socket without a descriptor';
  return 'no process found (closed during the lookup, or held in another PID namespace)';
}

function holderLine(holder: PortHolder): Line {
  return [
    holder.protocol,
    `${formatEndpoint({ address: holder.localAddress, port: holder.localPort })} ${holder.state}, inode ` +
      `${holder.inode}: ${ownersText(holder)}`,
  ];
}

export function renderLookup(port: number, holders: readonly PortHolder[]): Line[] {
  if (holders.length === 0)
    return [['port', `port ${port}: nobody holds it (no TCP or UDP socket, IPv4 or IPv6, has it as its local port)`]];
  return [
    ['port', `port ${port}: ${holders.length} socket${holders.length === 1 ? '' : 's'}`],
    ...holders.map(holderLine),
  ];
}

export function renderPortVsPid(seen: PortVsPidObservations): Line[] {
  const [first, second, third] = seen.ports;
  const lines: Line[] = [
    ['parent', `pid ${seen.ourPid} (this process)`],
    [
      'child',
      `pid ${seen.childPid} listens on ${specText(first)} and ${specText(second)} (tcp), and binds ` +
        `${specText(third)} (udp)`,
    ],
  ];
  lines.push(...seen.alone.flat().map(holderLine));
  const isOurPid = seen.childPid === seen.ourPid;
  const isAPort = seen.ports.some(({ port }) => port === seen.childPid);
  lines.push([
    'pid',
    `one PID behind three ports; it is ${isOurPid ? '' : 'not '}our PID and ${isAPort ? '' : 'not '}one of the ` +
      `ports: a PID names a process, a port a socket`,
  ]);
  for (const pid of seen.helperPids)
    lines.push(['helper', `pid ${pid} received the listener of port ${first.port} over IPC`]);
  lines.push(...seen.shared.map(holderLine));
  const sharedPids = seen.shared.flatMap((holder) => holder.pids).length;
  lines.push(['port', `port ${first.port}: one socket, one inode, ${sharedPids} PID${sharedPids === 1 ? '' : 's'}`]);
  lines.push(['child', 'the child and its helpers exited']);
  for (const [i, holders] of seen.afterExit.entries()) lines.push(...renderLookup(seen.ports[i].port, holders));
  return lines;
}

// ---- Command line: the demo, or the tool with --port ----

/** With --port the observations are the lookup's answer itself, so that --json prints exactly that array. */
type Observations = PortVsPidObservations | PortHolder[];

/** From each socket on the port to its inode and to every process holding it, as a Mermaid flowchart. */
export function mermaidHolders(holders: readonly PortHolder[]): string[] {
  const lines = ['flowchart LR'];
  holders.forEach((holder, i) => {
    const socket = `${holder.protocol} ${formatEndpoint({ address: holder.localAddress, port: holder.localPort })}`;
    lines.push(`    S${i}[${label(`${socket} ${holder.state}`)}] --> I${i}[${label(`socket:[${holder.inode}]`)}]`);
    if (holder.pids.length === 0) lines.push(`    I${i} --> N${i}[${label(ownersText(holder))}]`);
    const owners = holder.pids.map(({ pid, command }, j) => `P${i}_${j}[${label(`pid ${pid} (${command})`)}]`);
    lines.push(...owners.map((owner) => `    I${i} -- "a descriptor in /proc/PID/fd" --> ${owner}`));
  });
  return lines;
}

/** Predict, then run: `npm run exercise -- 08`. */
export const EXERCISE: Exercise<'SHARERS', PortVsPidObservations> = {
  knobs: KNOBS,
  observe: ({ SHARERS }) => observePortVsPid(SHARERS),
  questions: [
    {
      id: 'pids-on-port',
      kind: 'number',
      ask: {
        en: ({ SHARERS }) =>
          `A process listens on a port and starts ${SHARERS} helper processes that inherit the listening socket. ` +
          'How many PIDs does the lookup find on that port?',
        ko: ({ SHARERS }) =>
          `프로세스 하나가 포트에서 listen하고, 그 리스닝 소켓을 물려받는 도우미 프로세스 ${SHARERS}개를 띄운다. ` +
          '조회하면 그 포트에서 PID가 몇 개 나오나?',
      },
      measure: ({ shared }) => new Set(shared.flatMap((holder) => holder.pids.map(({ pid }) => pid))).size,
      why: {
        en: ({ shared }) =>
          `one socket (inode ${shared[0]?.inode ?? '?'}) and every process whose descriptor table points at it`,
        ko: ({ shared }) =>
          `소켓은 하나(아이노드 ${shared[0]?.inode ?? '?'})이고, 디스크립터 테이블이 그 소켓을 가리키는 ` +
          '프로세스는 모두 나온다',
      },
    },
    {
      id: 'udp-state',
      kind: 'choice',
      ask: {
        en: () =>
          'The same process also binds a UDP port. Which state does the lookup show for that UDP socket (the ' +
          'word ss uses)?',
        ko: () => '같은 프로세스가 UDP 포트에도 bind한다. 조회 결과에서 그 UDP 소켓의 상태(ss가 쓰는 말)는?',
      },
      options: [
        ['LISTEN', same('LISTEN')],
        ['UNCONN', same('UNCONN')],
        ['ESTABLISHED', same('ESTABLISHED')],
      ],
      measure: ({ alone }) =>
        alone[2][0]?.state ?? { unmeasured: { en: 'the UDP port was not found', ko: 'UDP 포트를 찾지 못했다' } },
      why: {
        en: () => 'UDP has no listen() and no connection: a bound UDP socket that is not connected is UNCONN',
        ko: () => 'UDP에는 listen()도 연결도 없다. bind했지만 connect하지 않은 UDP 소켓은 UNCONN이다',
      },
    },
    {
      id: 'after-exit',
      kind: 'number',
      ask: {
        en: () => 'The process and its helpers exit. How many sockets does the lookup still find on their ports?',
        ko: () => '프로세스와 도우미들이 종료한다. 그 포트들을 조회하면 소켓이 아직 몇 개 나오나?',
      },
      measure: ({ afterExit }) => afterExit.flat().length,
      why: {
        en: () => "a process's descriptors are closed when it exits, and a listener closed by its last holder is gone",
        ko: () => '프로세스가 종료하면 그 디스크립터는 닫히고, 마지막으로 가진 프로세스가 닫은 리스너는 사라진다',
      },
    },
  ],
};

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript<Observations>({
  usage: `
Usage: npx tsx scripts/08-port-vs-pid.ts [--sharers N] [--json | --mermaid]
       npx tsx scripts/08-port-vs-pid.ts --port P [--json]

Without --port: a demo. A child process listens on two TCP ports and binds one UDP port on
${HOST}; all three lead to the child's PID. Then the child hands its first listener to N
helper processes (--sharers, 0 to ${MAX_SHARERS}, default 1), and that port has N+1 PIDs.

With --port P: who is using port P on this machine? Every TCP and UDP socket, IPv4 and IPv6,
whose local port is P, with its local address, state, inode, and the PID and command name of
each process holding it. Exit code 1 when nobody holds the port. Linux only; run as root to
see other users' processes.

--port P      look up port P (1 to 65535)
--sharers N   demo: processes that share the first listener (default 1)
--json        print one JSON document: with --port, an array of
              {protocol, localAddress, localPort, state, inode, pids: [{pid, command}], owner}
--mermaid     print a Mermaid diagram of the port's sockets and their processes`,
  flags: { port: { type: 'string' }, sharers: { type: 'string' } },
  async demo(values): Promise<Observations> {
    if (values.port === undefined) {
      const sharers =
        values.sharers === undefined ? SHARERS.fallback : integerFlag(values, 'sharers', SHARERS.min, SHARERS.max);
      return observePortVsPid(sharers);
    }
    const port = integerFlag(values, 'port', 1, 65535);
    if (values.sharers !== undefined) throw new UsageError('--sharers belongs to the demo, not to --port');
    return lookupPort(port);
  },
  render: (seen, values) => (Array.isArray(seen) ? renderLookup(Number(values.port), seen) : renderPortVsPid(seen)),
  mermaid: (seen) => mermaidHolders(Array.isArray(seen) ? seen : seen.shared),
  // Like lsof: a lookup that finds nobody exits 1.
  exitCode: (seen) => (Array.isArray(seen) && seen.length === 0 ? 1 : 0),
});

export const run = () => runScript(cli);
if (isMain(import.meta.url)) await run();
