/**
 * Command-line plumbing shared by every script: strict flags, one-line errors with exit code 2,
 * `--help`, `--json`, and the "observe, then render" split. Nothing here is a socket lesson.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Bad input from the user: reported as one `error:` line and exit code 2. */
export class UsageError extends Error {}

/** A flag definition as `node:util` parseArgs takes it. */
export type FlagSpec = { type: 'string' | 'boolean'; short?: string; default?: string | boolean };
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

/** Parses argv strictly: unknown flags and stray positionals become a UsageError. */
export function parseFlags(argv: string[], flags: Record<string, FlagSpec>): FlagValues {
  try {
    const { values } = parseArgs({ args: argv, options: flags, strict: true, allowPositionals: false });
    return values as FlagValues;
  } catch (error) {
    // parseArgs explains itself in one sentence; keep only that sentence.
    throw new UsageError(String((error as Error).message).split('\n')[0]);
  }
}

/** Reads an integer flag, insisting on digits only and the range [min, max]. */
export function integerFlag(values: FlagValues, name: string, min: number, max: number): number {
  const raw = values[name];
  if (typeof raw !== 'string') throw new UsageError(`--${name} needs a value`);
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A TCP or UDP port: 0 (let the kernel choose) up to 65535. */
export function portFlag(values: FlagValues, name = 'port'): number {
  return integerFlag(values, name, 0, 65535);
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
  const flags: Record<string, FlagSpec> = {
    help: { type: 'boolean', short: 'h' },
    json: { type: 'boolean' },
    ...(definition.serve ? { serve: { type: 'boolean' } } : {}),
    ...definition.flags,
  };
  let code = 0;
  try {
    const values = parseFlags(argv, flags);
    if (values.help) {
      output.stdout(`${definition.usage.trim()}\n`);
    } else if (values.serve && definition.serve) {
      await definition.serve(values);
    } else {
      const observations = await definition.demo(values);
      const text = values.json
        ? JSON.stringify(observations, null, 2)
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
 * Keeps a server up for real clients until SIGINT or SIGTERM, then runs `close` and returns,
 * so the script exits 0 on its own once every handle is closed.
 */
export async function untilSignal(close: () => Promise<void>): Promise<void> {
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stderr.write(`${signal}: closing\n`);
  await close();
}
