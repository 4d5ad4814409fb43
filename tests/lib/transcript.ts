/**
 * Transcript checks: the sample output printed in NOTES.md is the expected transcript. A test
 * runs the exact command the sample shows, masks what changes from run to run (ports, PIDs,
 * descriptors, inodes, timings) on both sides, and compares line by line, so the notes can never
 * drift from what the script really prints.
 *
 * A sample in NOTES.md looks like this (the marker names the script):
 *
 *     <!-- transcript: 03-accept -->
 *     ```console
 *     $ npx tsx scripts/03-accept.ts --clients 2
 *     server: listening on 127.0.0.1:40123
 *     …
 *     ```
 *
 * A line holding only "…" matches any number of lines (for output that depends on the machine,
 * such as its list of network interfaces).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { nodeArgsFor } from '../../scripts/lib/child.ts';
import { labOf } from '../../scripts/lib/catalog.ts';
import {
  flagValuesOf,
  type Line,
  renderTimeline,
  runScript as runCommandLine,
  type ScriptDefinition,
} from '../../scripts/lib/cli.ts';
import { stretchedByLoad, until, within } from '../../scripts/lib/wait.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Mask = readonly [pattern: RegExp, replacement: string];

/** How long a finished run may take to close its handles. */
const CLOSE_TIMEOUT_MS = stretchedByLoad(2000);
/** A demo runs in seconds; a stuck one fails with a message instead of hanging the suite. */
const RUN_TIMEOUT_MS = stretchedByLoad(30_000);

/** What varies between runs, in the words the scripts use for it. */
export const MASKS: readonly Mask[] = [
  [/\b(\d{1,3}(?:\.\d{1,3}){3}):\d+\b/g, '$1:PORT'],
  [/\[([0-9a-fA-F:.]+)\]:\d+\b/g, '[$1]:PORT'],
  [/\b(ports?) \d+/g, '$1 PORT'],
  [/\b(pid|PID) \d+/g, '$1 PID'],
  [/\bfd \d+/g, 'fd FD'],
  [/socket:\[\d+\]/g, 'socket:[INODE]'],
  [/\binode \d+/g, 'inode INODE'],
  [/\b\d+(?:\.\d+)? ?(ms|µs|s)\b/g, 'N $1'],
  [/\brange \d+[–-]\d+/g, 'range LOW–HIGH'],
];

export function mask(text: string, extra: readonly Mask[] = []): string {
  return [...MASKS, ...extra].reduce((masked, [pattern, replacement]) => masked.replace(pattern, replacement), text);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a script as a learner would (`npx tsx scripts/NAME.ts ARGS`), as its own process of this
 * Node, bounded by `timeoutMs`. Never throws for a non-zero exit: the exit code is the result.
 */
export function runScript(
  script: string,
  args: readonly string[] = [],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  const file = script.includes('/') ? script : `scripts/${script}.ts`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      nodeArgsFor(file, args),
      {
        cwd: ROOT,
        env: { ...process.env, ...options.env },
        timeout: options.timeoutMs ?? RUN_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, signal: (error?.signal as NodeJS.Signals | undefined) ?? null, stdout, stderr });
      },
    );
  });
}

export interface NotesSample {
  /** The arguments after `npx tsx scripts/NAME.ts`. */
  args: string[];
  /** The output lines shown under the command. */
  lines: string[];
}

/** The body of the first ```LANGUAGE block after `<!-- KIND: NAME -->` in NOTES.md. */
async function markedBlock(kind: 'transcript' | 'mermaid', language: string, name: string): Promise<string> {
  const notes = await readFile(new URL('NOTES.md', `file://${ROOT}`), 'utf8');
  const marker = `<!-- ${kind}: ${name} -->`;
  const at = notes.indexOf(marker);
  assert.notEqual(at, -1, `NOTES.md has no block marked ${marker}`);
  const fence = '```';
  const blockAfterMarker = new RegExp(`${fence}${language}\\n([\\s\\S]*?)\\n${fence}`);
  const block = blockAfterMarker.exec(notes.slice(at + marker.length));
  assert.ok(block, `the block after ${marker} is not a ${fence}${language} block`);
  return block[1];
}

/** Finds the sample marked `<!-- transcript: NAME -->` in NOTES.md. */
export async function notesSample(name: string): Promise<NotesSample> {
  const [command, ...lines] = (await markedBlock('transcript', 'console', name)).split('\n');
  const prefix = `$ npx tsx scripts/${name}.ts`;
  assert.ok(command.startsWith(prefix), `the sample for ${name} must start with "${prefix}", not "${command}"`);
  const args = command.slice(prefix.length).trim().split(/\s+/).filter(Boolean);
  return { args, lines };
}

/** True when `actual` fits `expected`, where an expected line "…" stands for any number of lines. */
function linesMatch(expected: readonly string[], actual: readonly string[]): boolean {
  if (expected.length === 0) return actual.length === 0;
  const [first, ...rest] = expected;
  if (first.trim() === '…') {
    for (let skip = 0; skip <= actual.length; skip++) if (linesMatch(rest, actual.slice(skip))) return true;
    return false;
  }
  return actual.length > 0 && actual[0] === first && linesMatch(rest, actual.slice(1));
}

/** How many of each kind of libuv handle and request this process holds ("TCPSocketWrap": 2, "Timeout": 1, ...). */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** The resources held now beyond `before`: what a run opened and did not close. */
function leakedSince(before: Map<string, number>): string[] {
  return [...activeResources()]
    .filter(([kind, count]) => count > (before.get(kind) ?? 0))
    .map(([kind, count]) => `${kind} x${count - (before.get(kind) ?? 0)}`);
}

/**
 * Runs the command shown in NOTES.md for `name` and asserts that its masked output is the
 * masked sample, and that the run closed every socket, timer and child process it opened: what
 * lets a real run end by itself. The run is in-process (the script's exported `cli`, the same code
 * path as `npx tsx scripts/NAME.ts`), so the check names any handle left open instead of hanging.
 * `extraMasks` cover what only this script varies (a measured rate, say).
 */
export async function assertOutputMatchesNotes(name: string, extraMasks: readonly Mask[] = []): Promise<void> {
  const sample = await notesSample(name);
  const before = activeResources();
  const run = await runInProcess(name, sample.args);
  assert.equal(run.code, 0, `${name} ${sample.args.join(' ')} exited ${run.code}; stderr: ${run.stderr}`);
  // Closing is asynchronous (a socket's handle goes on the next loop turn): wait, bounded, for the count to drop.
  const leaks = await until(
    () => (leakedSince(before).length === 0 ? [] : undefined),
    CLOSE_TIMEOUT_MS,
    'nothing',
  ).catch(() => leakedSince(before));
  assert.deepEqual(leaks, [], `${name} left handles open after it finished`);
  assertFitsSample(name, sample, run.stdout, extraMasks);
}

function assertFitsSample(name: string, sample: NotesSample, output: string, extraMasks: readonly Mask[]): void {
  const actual = mask(output, extraMasks).trimEnd().split('\n');
  const expected = mask(sample.lines.join('\n'), extraMasks).split('\n');
  if (!linesMatch(expected, actual)) {
    // No fit: show the whole difference, the wildcard lines left in place for the reader.
    assert.deepEqual(actual, expected, `the output of ${name} no longer matches its sample in NOTES.md`);
  }
}

/**
 * The diagram NOTES.md shows after `<!-- mermaid: NAME -->` against the one the script draws from
 * an observation the test file made (`mermaidLines`), both masked like the samples.
 */
export async function assertMermaidMatchesNotes(
  name: string,
  mermaidLines: readonly string[],
  extraMasks: readonly Mask[] = [],
): Promise<void> {
  const diagram = await markedBlock('mermaid', 'mermaid', name);
  assert.deepEqual(
    mask(mermaidLines.join('\n'), extraMasks).split('\n'),
    mask(diagram, extraMasks).split('\n'),
    `the diagram of ${name} no longer matches NOTES.md`,
  );
}

/**
 * Runs a test file's demo and resolves with what it observed, once it has closed every socket,
 * timer and child process it opened (a bounded wait for the closes in flight). What lets a real
 * run end by itself.
 */
export async function observedClean<T>(observe: () => Promise<T>): Promise<T> {
  const before = activeResources();
  const seen = await observe();
  const leaks = await until(
    () => (leakedSince(before).length === 0 ? [] : undefined),
    CLOSE_TIMEOUT_MS,
    'nothing',
  ).catch(() => leakedSince(before));
  assert.deepEqual(leaks, [], 'the demo left handles open after it finished');
  return seen;
}

/**
 * The sample of `name` against the script's own rendering of `seen`, an observation the test file
 * made with the settings the sample's command gives (the caller skips when its knobs differ), so
 * that no demo runs twice. The render sees the sample's flags.
 */
export async function assertSeenMatchesNotes(
  name: string,
  seen: unknown,
  extraMasks: readonly Mask[] = [],
): Promise<void> {
  const sample = await notesSample(name);
  const { cli } = (await import(`../../${labOf(name)}`)) as { cli: ScriptDefinition<unknown> };
  const output = renderTimeline(cli.render(seen, flagValuesOf(cli, sample.args)));
  assertFitsSample(name, sample, output, extraMasks);
}

/**
 * For a demo too slow to run twice (16 waits out kernel timers): the script's own rendering of an
 * observation the test file already made, against the sample. `args` are the flags that run used;
 * they must be the sample's, or the comparison would be of two different runs.
 */
export async function assertRenderingMatchesNotes(
  name: string,
  args: readonly string[],
  output: string,
  extraMasks: readonly Mask[] = [],
): Promise<void> {
  const sample = await notesSample(name);
  assert.deepEqual(args, sample.args, `the run was made with other flags than the sample's (${sample.args.join(' ')})`);
  assertFitsSample(name, sample, output, extraMasks);
}

/**
 * Runs a script's command line (its exported `cli`) in this process with `args`, its output
 * caught in buffers: the same code path as a real run, without paying a process start. `name` is
 * a script's ("04-listen-backlog"), or a path from the project's root ("bench/lookup").
 * Bounded by RUN_TIMEOUT_MS; `what` names the run in the timeout message.
 */
export async function runInProcess(
  name: string,
  args: readonly string[],
  what = `${name} ${args.join(' ')}`,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const path = name.includes('/') ? `${name}.ts` : labOf(name);
  const { cli } = (await import(`../../${path}`)) as { cli: ScriptDefinition<unknown> };
  let stdout = '';
  let stderr = '';
  const output = { stdout: (text: string) => (stdout += text), stderr: (text: string) => (stderr += text) };
  const code = await within(runCommandLine(cli, [...args], output), RUN_TIMEOUT_MS, what);
  return { code, stdout, stderr };
}

/**
 * Asserts the contract for bad input: exit code 2, nothing on stdout, exactly one `error:` line on
 * stderr. The script's command line runs in-process (its exported `cli`), which checks the same
 * code path as a real run without paying a process start per case; tests/01-socket.test.ts checks
 * once, with a real process, that the code reaches the shell.
 */
export async function assertRejects(name: string, args: readonly string[], mentioning: RegExp): Promise<void> {
  const { code, stdout, stderr } = await runInProcess(name, args, `${name} ${args.join(' ')} to reject its input`);
  assert.equal(code, 2, `${args.join(' ')} should exit 2, exited ${code}; stderr: ${stderr}`);
  assert.equal(stdout, '', 'nothing on stdout for bad input');
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], mentioning);
}

/**
 * A copy of `observations` with `change` applied, rendered as `role: text` lines: how a test asks a
 * render what it says about a run that did not happen here (no ss, a capture refused, ...).
 */
export function renderChanged<Observations>(
  observations: Observations,
  render: (observations: Observations) => readonly Line[],
  change: (copy: Observations) => void,
): string {
  const copy = structuredClone(observations);
  change(copy);
  return render(copy)
    .map(([role, text]) => `${role}: ${text}`)
    .join('\n');
}
