/**
 * Command-line plumbing shared by every script: strict flags, one-line errors with exit code 2,
 * `--help`, `--json`, and the "observe, then render" split. Nothing here is a socket lesson.
 */
import { realpathSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Bad input from the user: reported as one `error:` line and exit code 2. */
export class UsageError extends Error {}

/**
 * A flag as `node:util` parseArgs takes it, and the mode it belongs to: `demo` (the default: not with
 * --serve) or `serve` (only with --serve). --help goes with either: it is answered before the check.
 */
export type FlagSpec = {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  mode?: 'demo' | 'serve';
};
export type FlagValues = Record<string, string | boolean | undefined>;

/** True when this module is the program being run rather than an import of it. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * `--backlog -1` as `--backlog=-1`: parseArgs takes a value that starts with a dash for a flag of its
 * own, and would answer "ambiguous" instead of letting the range check say what is wrong.
 */
function joinNegativeValues(argv: readonly string[], flags: Record<string, FlagSpec>): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([\w-]+)$/.exec(argv[i])?.[1];
    if (name && flags[name]?.type === 'string' && /^-\d/.test(argv[i + 1] ?? ''))
      joined.push(`${argv[i]}=${argv[++i]}`);
    else joined.push(argv[i]);
  }
  return joined;
}

/**
 * Parses argv strictly: unknown flags, stray positionals (unless `allowPositionals`) and a flag
 * given twice become a UsageError. Returns the values, defaults filled in, the names of the flags
 * the user gave, and the positionals.
 */
export function parseFlags(
  argv: readonly string[],
  flags: Record<string, FlagSpec>,
  allowPositionals = false,
): { values: FlagValues; given: Set<string>; positionals: string[] } {
  // parseArgs gets only what it knows; a default is filled in below, so that `given` stays true.
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, { type, short }]) => [name, short === undefined ? { type } : { type, short }]),
  );
  let tokens: ReturnType<typeof parseArgs>['tokens'];
  try {
    const args = joinNegativeValues(argv, flags);
    ({ tokens } = parseArgs({ args, options, strict: true, tokens: true, allowPositionals }));
  } catch (error) {
    // parseArgs explains itself in its first sentence. Where positionals are allowed it adds a tip
    // about '--' that misleads under npm run, which takes the first '--' for itself: keep the first.
    throw new UsageError(
      String((error as Error).message)
        .split('\n')[0]
        .split('. ')[0],
    );
  }
  const values: FlagValues = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    if (token.name in values) throw new UsageError(`--${token.name} is given twice; say it once`);
    values[token.name] = flags[token.name].type === 'boolean' ? true : token.value;
  }
  const given = new Set(Object.keys(values));
  for (const [name, spec] of Object.entries(flags)) if (!given.has(name)) values[name] = spec.default;
  return { values, given, positionals };
}

/** Refuses a flag of the mode not chosen: `--json --serve`, `--serve --datagrams 3`, `--port 80` without --serve. */
function checkModes(flags: Record<string, FlagSpec>, given: ReadonlySet<string>): void {
  const serving = given.has('serve');
  for (const name of given) {
    const mode = flags[name].mode ?? 'demo';
    if (serving && mode === 'demo') throw new UsageError(`--${name} belongs to the demo, not to --serve`);
    if (!serving && mode === 'serve') throw new UsageError(`--${name} goes with --serve`);
  }
}

/** `raw` as a whole number in [min, max], or a UsageError that names `label` and the range. */
function wholeNumber(label: string, raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw.trim()))
    throw new UsageError(`${label} must be a whole number from ${min} to ${max}, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new UsageError(`${label} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Reads an integer flag, insisting on digits only and the range [min, max]. */
export function integerFlag(values: FlagValues, name: string, min: number, max: number): number {
  const raw = values[name];
  if (typeof raw !== 'string') throw new UsageError(`--${name} needs a value`);
  return wholeNumber(`--${name}`, raw, min, max);
}

/**
 * A knob: a number a learner sets in the environment before an exercise (`CLIENTS=5 npm run exercise
 * -- 03`). Where the script has a flag for the same number, the knob takes the flag's range.
 */
export interface Knob {
  fallback: number;
  min: number;
  max: number;
}

/** A script's knobs, and a rule between them where one knob bounds another (it throws a UsageError). */
export interface KnobSet<Name extends string> {
  knobs: Record<Name, Knob>;
  check?(values: Record<Name, number>): void;
}

export function defineKnobs<Name extends string>(
  knobs: Record<Name, Knob>,
  check?: (values: Record<Name, number>) => void,
): KnobSet<Name> {
  return { knobs, check };
}

/** Every knob's value from `env`, or its fallback; a bad one is a UsageError naming the knob and its range. */
export function readKnobs<Name extends string>(set: KnobSet<Name>, env = process.env): Record<Name, number> {
  const read = (name: string, { fallback, min, max }: Knob) => {
    const raw = env[name];
    return raw === undefined || raw === '' ? fallback : wholeNumber(`knob ${name}`, raw, min, max);
  };
  const entries = Object.entries<Knob>(set.knobs).map(([name, knob]) => [name, read(name, knob)]);
  const values = Object.fromEntries(entries) as Record<Name, number>;
  set.check?.(values);
  return values;
}

/** A TCP or UDP port: 0 (let the kernel choose) up to 65535. */
export function portFlag(values: FlagValues, name = 'port'): number {
  return integerFlag(values, name, 0, 65535);
}

/** Where --serve listens unless told otherwise: this machine only. */
export const SERVE_HOST = '127.0.0.1';

/**
 * --host for --serve: an IP address, never a name. "localhost" may resolve to 127.0.0.1 or to ::1,
 * and a server should say exactly which address it holds.
 */
export function hostFlag(values: FlagValues): string {
  const host = typeof values.host === 'string' ? values.host : SERVE_HOST;
  if (isIP(host) === 0)
    throw new UsageError(
      `--host must be an IP address such as 127.0.0.1 or ::1 (a name may mean either), got "${host}"`,
    );
  return host;
}

/**
 * 12345.6 as "12,346": rounded, a comma every three digits. Written out rather than
 * toLocaleString('en-US'), which loads ICU's data on first use: some 20 ms of CPU in every process
 * that prints a figure (measured with --cpu-prof), and the suite starts many.
 */
export function thousands(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** An address and port as they are written: 127.0.0.1:8080, with brackets for IPv6: [::1]:8080. */
export function formatEndpoint({ address, port }: { address: string; port: number }): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * A client command to try against a server: netcat, `-u` for UDP. A wildcard address is where the
 * server listens, not where to dial: the hint dials the loopback address of its family instead.
 */
export function tryHint(protocol: 'tcp' | 'udp', address: string, port: number): string {
  const dial = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return `nc ${protocol === 'udp' ? '-u ' : ''}${dial} ${port}`;
}

/** The line every --serve prints once it is listening: where, and a real client command to try. */
export function listeningLine(protocol: 'tcp' | 'udp', address: string, port: number, what = ''): string {
  return (
    `listening on ${formatEndpoint({ address, port })}${what && ` (${what})`}; try: ` +
    `${tryHint(protocol, address, port)}`
  );
}

/** One line of a timeline: who speaks (`server`, `client`, `kernel`, ...) and what happened. */
export type Line = readonly [role: string, text: string];

/** Renders role-prefixed lines with the roles aligned, so the story reads down one column. */
export function renderTimeline(lines: readonly Line[]): string {
  const width = Math.max(0, ...lines.map(([role]) => role.length)) + 1;
  return lines.map(([role, text]) => `${`${role}:`.padEnd(width)} ${text}`.trimEnd()).join('\n');
}

export interface ScriptDefinition<Observations> {
  /** Printed by --help: what the script shows and which flags it takes. */
  usage: string;
  /** The script's own flags; --help and --json are added here. */
  flags?: Record<string, FlagSpec>;
  /** Runs the demonstration and returns what was observed, as plain data. */
  demo(values: FlagValues): Promise<Observations>;
  /** Turns the observations into role-prefixed lines for a reader. */
  render(observations: Observations, values: FlagValues): readonly Line[];
  /** When present, --mermaid prints this instead: a Mermaid diagram drawn from the observations. */
  mermaid?(observations: Observations): readonly string[];
  /** The exit code the observations call for (a lookup that found nothing, say); 0 when absent. */
  exitCode?(observations: Observations): number;
  /** When present and --serve is given, serves real clients instead of running the demo. */
  serve?(values: FlagValues): Promise<void>;
}

/** Names a script's command line as a value, so tests can run it in-process with `runScript`. */
export function defineScript<Observations>(definition: ScriptDefinition<Observations>): ScriptDefinition<Observations> {
  return definition;
}

/** Where a run writes: the process's own streams, or a test's buffers. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processOutput: Output = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Every flag a script takes: its own, --help, --json, --mermaid where it draws, --serve (with --host, --port). */
function flagsOf<Observations>(definition: ScriptDefinition<Observations>): Record<string, FlagSpec> {
  return {
    help: { type: 'boolean', short: 'h' },
    json: { type: 'boolean' },
    ...(definition.serve
      ? {
          serve: { type: 'boolean', mode: 'serve' },
          host: { type: 'string', mode: 'serve' },
          port: { type: 'string', mode: 'serve' },
        }
      : {}),
    ...(definition.mermaid ? { mermaid: { type: 'boolean' } } : {}),
    ...definition.flags,
  };
}

/**
 * --help: the script's usage, then a line for each flag runScript gives every script (--host and
 * --port where it serves, --json, --mermaid where it draws, --help) that the usage does not
 * describe in words of its own, in the column where the usage's own flags are described.
 */
function helpText<Observations>(definition: ScriptDefinition<Observations>): string {
  const usage = definition.usage.trim();
  const column = /^(--\S.*?\s{2,})\S/m.exec(usage)?.[1].length ?? 14;
  const common = [
    ...(definition.serve
      ? [
          ['--host H', `the address --serve binds (default ${SERVE_HOST})`],
          ['--port P', 'the port --serve binds (default 0: the kernel picks one)'],
        ]
      : []),
    ['--json', 'print the observations as one JSON document'],
    ...(definition.mermaid ? [['--mermaid', 'print a Mermaid diagram drawn from this run']] : []),
    ['--help', 'show this text'],
  ];
  // A flag is described where a line starts with it, alone or after others ("--host, --port   …").
  const described = (flag: string) => new RegExp(`^(?:--[\\w-]+, )*${flag.split(' ')[0]}\\b`, 'm').test(usage);
  // A usage with no flags of its own ends with its prose: a blank line before the common ones.
  const separator = /^--/m.test(usage) ? [] : [''];
  return [
    usage,
    ...separator,
    ...common.filter(([flag]) => !described(flag)).map(([flag, text]) => `${flag.padEnd(column)}${text}`),
  ].join('\n');
}

/** The flag values a command line gives a script, defaults filled in: what its render sees. */
export function flagValuesOf<Observations>(
  definition: ScriptDefinition<Observations>,
  argv: readonly string[],
): FlagValues {
  return parseFlags(argv, flagsOf(definition)).values;
}

/**
 * The entry point of every script: parse flags, run the demo (or serve), print a timeline or
 * one JSON document. Usage errors exit 2 with one line; anything unexpected exits 1 with one line.
 * Returns the exit code, and sets it on the process when writing to the process's own streams.
 */
export async function runScript<Observations>(
  definition: ScriptDefinition<Observations>,
  argv = process.argv.slice(2),
  output = processOutput,
): Promise<number> {
  const flags = flagsOf(definition);
  let code = 0;
  try {
    const { values, given } = parseFlags(argv, flags);
    if (!values.help) checkModes(flags, given);
    if (values.help) {
      output.stdout(`${helpText(definition)}\n`);
    } else if (values.serve && definition.serve) {
      // Loaded only to serve: a one-shot run (08's --port above all) does not pay for it.
      (await import('./serve-lifetime.ts')).noteCommandChain();
      await definition.serve(values);
    } else {
      const observations = await definition.demo(values);
      const text = values.json
        ? JSON.stringify(observations, null, 2)
        : values.mermaid && definition.mermaid
          ? definition.mermaid(observations).join('\n')
          : renderTimeline(definition.render(observations, values));
      output.stdout(`${text}\n`);
      code = definition.exitCode?.(observations) ?? 0;
    }
  } catch (error) {
    output.stderr(`error: ${(error as Error).message}\n`);
    code = error instanceof UsageError ? 2 : 1;
  }
  if (output === processOutput) process.exitCode = code;
  return code;
}

/**
 * Runs a command's main function and sets the exit code it returns; errors become one `error:` line (exit 2 for bad
 * input, 1 otherwise).
 */
export async function runMain(main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}

/**
 * Whether this Node is `major`.`minor` or later. A lab that needs a newer Node than the one it
 * runs on says so with `olderNodeError`, instead of failing halfway with a misleading error.
 */
export function nodeAtLeast(major: number, minor: number): boolean {
  const [ownMajor, ownMinor] = process.versions.node.split('.').map(Number);
  return ownMajor > major || (ownMajor === major && ownMinor >= minor);
}

/** The one line for a script that needs Node `major`.`minor` or later: which, and how to get the project's. */
export function olderNodeError(script: string, major: number, minor: number, why: string): Error {
  return new Error(
    `${script} needs Node ${major}.${minor} or later (${why}), and this is ${process.versions.node}: ` +
      `npm install brings the project's own, then run npx tsx scripts/${script}.ts`,
  );
}
