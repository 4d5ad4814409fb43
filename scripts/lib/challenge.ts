/**
 * `npm run challenge`: a ladder of protocols. For each level the learner writes a server in
 * challenges/NN-slug.ts (shipped as a starter that fails); the level's checker in
 * tests/challenge/NN-slug.ts starts it as its own process with PORT and HOST in its environment
 * and attacks it one step at a time. A failed step shows the wire, the kernel's view of that
 * moment, and the command that replays it with its seed. Reference solutions are in
 * challenges/solutions/; tests/proofs/challenge.test.ts (npm run test:proofs) proves every
 * attack with a known-wrong server. With `--lang ko`, or under a Korean locale, the runner's own
 * words (messages/challenge.ts) and each attack's claim and hints are Korean; what a failed step
 * saw (its sentence, the bytes, the kernel's rows) stays English, as the labs' transcripts do.
 */
import { copyFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { headerTags, learnerFile, ROOT } from './catalog.ts';
import type { ChallengeLevel, Report, Step, Wire } from './challenge-check.ts';
import { defineKnobs, type FlagSpec, isMain, parseFlags, readKnobs, runMain, UsageError } from './cli.ts';
import { HANGUL, readingPointer } from './editions.ts';
import { type Lang, takeLanguage } from './lang.ts';
import { CHALLENGE_TEXT, type ChallengeText } from './messages/challenge.ts';
import { loadProgress, progressPath, updateProgress } from './progress.ts';
import { findTool, runTool } from './tools.ts';

export interface ChallengeEntry {
  /** "1" */
  number: string;
  title: string;
  /** challenges/01-echo.ts: the learner's file. */
  starter: string;
  solution: string;
  checkModule: string;
}

/** Every level: a checker in tests/challenge/ and the learner's starter of the same name in challenges/. */
export function listLevels(): ChallengeEntry[] {
  return readdirSync(join(ROOT, 'tests/challenge'))
    .filter((name) => /^\d\d-[a-z0-9-]+\.ts$/.test(name))
    .sort()
    .map((name) => ({
      number: String(Number(name.slice(0, 2))),
      title: headerTags(readFileSync(join(ROOT, 'challenges', name), 'utf8')).title?.[0] ?? name,
      starter: `challenges/${name}`,
      solution: `challenges/solutions/${name}`,
      checkModule: `tests/challenge/${name}`,
    }));
}

export async function loadLevel(entry: ChallengeEntry): Promise<ChallengeLevel> {
  return ((await import(pathToFileURL(join(ROOT, entry.checkModule)).href)) as { LEVEL: ChallengeLevel }).LEVEL;
}

const titleIn = (lang: Lang, entry: ChallengeEntry, level: ChallengeLevel): string =>
  lang === 'en' ? entry.title : level.title[lang];

// --- The wire, as a learner reads it ---------------------------------------------------------

/** Text when every byte is printable ASCII or a tab, CR or LF; anything else is shown in hex. */
const isText = (bytes: Buffer) =>
  bytes.every((byte) => byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127));

const ESCAPES: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 34: '\\"', 92: '\\\\' };
const escapeByte = (byte: number) =>
  ESCAPES[byte] ?? (byte >= 32 && byte < 127 ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`);
const escaped = (bytes: Buffer) => [...bytes].map(escapeByte).join('');

/** The index of the first byte where `due` and `got` differ (or where one of them ends). */
export function firstDifference(due: Buffer, got: Buffer): number {
  let i = 0;
  while (i < due.length && i < got.length && due[i] === got[i]) i++;
  return i;
}

/** As many bytes of `bytes` from `from` (going backwards when `step` is -1) as fit in `width` escaped columns. */
function fitting(bytes: Buffer, from: number, step: 1 | -1, width: number): number {
  let used = 0;
  let i = from;
  while (i >= 0 && i < bytes.length && used + escapeByte(bytes[i]).length <= width) {
    used += escapeByte(bytes[i]).length;
    i += step;
  }
  return i;
}

const WINDOW = 40;
const LABEL = 11;

/** The columns `text` takes in a terminal, where a Hangul syllable takes two. */
const columns = (text: string) => [...text].reduce((sum, char) => sum + (HANGUL.test(char) ? 2 : 1), 0);
/** `text` and spaces after it, `width` columns in all: a Korean label lines up as an English one does. */
const padColumns = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - columns(text)));

/** `due` and `got` escaped one above the other around their first difference, a caret under it. */
function textView(due: Buffer, got: Buffer, at: number, text: ChallengeText): string[] {
  const start = fitting(due, at - 1, -1, WINDOW) + 1;
  const line = (bytes: Buffer) => {
    const end = fitting(bytes, at, 1, WINDOW);
    return `${start > 0 ? '…' : ''}"${escaped(bytes.subarray(start, end))}"${end < bytes.length ? '…' : ''}`;
  };
  const caret = (start > 0 ? 1 : 0) + 1 + escaped(due.subarray(start, at)).length;
  return [
    `${padColumns(text.due, LABEL)}${line(due)}`,
    `${padColumns(text.cameBack, LABEL)}${line(got)}`,
    `${' '.repeat(LABEL + caret)}^ ${text.atByte(at, at >= got.length)}`,
  ];
}

const ROW = 8;
const hexRow = (bytes: Buffer, offset: number) =>
  Array.from({ length: ROW }, (_, i) =>
    offset + i < bytes.length ? bytes[offset + i].toString(16).padStart(2, '0') : '  ',
  ).join(' ');

/** A row's bytes as `hexdump -C` shows them beside the hex: printable ASCII as it is, any other byte as a dot. */
const textRow = (bytes: Buffer, offset: number) =>
  [...bytes.subarray(offset, offset + ROW)].map((byte) => (byte >= 32 && byte < 127 ? String.fromCharCode(byte) : '.'));

/**
 * The rows of 8 bytes around the first difference, due and came back side by side, a caret under
 * it; then each row's text, so that the words in a wire of text and other bytes (Hangul) still read.
 */
function hexView(due: Buffer, got: Buffer, at: number, text: ChallengeText): string[] {
  const row = Math.floor(at / ROW) * ROW;
  const width = ROW * 3 - 1;
  const lines = [`${padColumns(text.offset, 10)}${padColumns(text.due, width + 3)}${text.cameBack}`];
  for (let offset = Math.max(0, row - ROW); offset <= row + ROW; offset += ROW) {
    if (offset >= Math.max(due.length, got.length) && offset > row) break;
    const words = `${textRow(due, offset).join('').padEnd(ROW)}  ${textRow(got, offset).join('')}`;
    lines.push(
      `${offset.toString(16).padStart(8, '0')}  ${hexRow(due, offset)}   ${hexRow(got, offset)}   ${words}`.trimEnd(),
    );
    if (offset === row)
      lines.push(`${' '.repeat(10 + width + 3 + (at - row) * 3)}^^ ${text.atByte(at, at >= got.length)}`);
  }
  return lines;
}

/** What was sent, what was due and what came back, with a caret under the first byte that differs. */
export function renderWire(wire: Wire, lang: Lang = 'en'): string[] {
  const text = CHALLENGE_TEXT[lang];
  const at = firstDifference(wire.expected, wire.received);
  const sentHead = wire.sent.subarray(0, fitting(wire.sent, 0, 1, WINDOW * 2));
  const sent = isText(wire.sent)
    ? `"${escaped(sentHead)}"${sentHead.length < wire.sent.length ? '…' : ''}`
    : `${hexRow(wire.sent, 0)}${wire.sent.length > ROW ? ' …' : ''}`;
  const sentLine = `${padColumns(text.sent, LABEL)}${text.bytes(wire.sent.length)}: ${sent}`;
  // Nothing was due yet (the step was waiting on the server, not for a reply): what was sent says it all.
  if (wire.expected.length === 0 && wire.received.length === 0) return [sentLine];
  return [
    sentLine,
    `${''.padEnd(LABEL)}${text.dueAndCameBack(wire.expected.length, wire.received.length)}`,
    ...(isText(wire.expected) && isText(wire.received)
      ? textView(wire.expected, wire.received, at, text)
      : hexView(wire.expected, wire.received, at, text)),
  ];
}

// --- Steps and reports -----------------------------------------------------------------------

const indent = (lines: readonly string[], by = 8) => lines.map((line) => `${' '.repeat(by)}${line}`.trimEnd());

/** One step as CS144 prints it: passed, or failed with what happened, the wire, the kernel and the program's output. */
export function renderStep(step: Step, index: number, total: number, lang: Lang = 'en'): string[] {
  const text = CHALLENGE_TEXT[lang];
  const verdict = step.failure ? text.fail : text.ok;
  const head = `${verdict}  ${index}/${total} ${step.name}: ${step.claim[lang]}  (${step.ms} ms)`;
  if (!step.failure) return [`  ${head}`];
  const { what, wire, kernel, printed } = step.failure;
  return [
    `  ${head}`,
    ...indent([what]),
    ...(wire ? ['', ...indent(renderWire(wire, lang))] : []),
    ...(kernel.length > 0 ? ['', ...indent([text.kernelAtThatMoment]), ...indent(kernel, 10)] : []),
    ...(printed ? ['', ...indent([text.printed(printed)])] : []),
  ];
}

// --- The command line ------------------------------------------------------------------------

const FLAGS: Record<string, FlagSpec> = {
  watch: { type: 'boolean' },
  attack: { type: 'string' },
  hint: { type: 'boolean' },
  solution: { type: 'boolean' },
  reset: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
/** SEED= makes a run's random bytes those of an earlier run; without it, a fresh seed is drawn and printed. */
const SEED_KNOB = defineKnobs({ SEED: { fallback: -1, min: 0, max: 2 ** 31 - 1 } });

export interface ChallengeIo {
  write(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Where the learner stands: a FILE on the command line is read from here. */
  cwd: string;
  /** Ends --watch (the learner's Ctrl-C ends the process instead). */
  signal?: AbortSignal;
}

/** The io of one run, the language it speaks and its words in that language. */
interface Run extends ChallengeIo {
  lang: Lang;
  say: ChallengeText;
}

const processIo: ChallengeIo = {
  write: (text) => void process.stdout.write(text),
  env: process.env,
  // npm runs scripts from the project's root; INIT_CWD is where the learner typed the command.
  cwd: process.env.INIT_CWD ?? process.cwd(),
};

/**
 * A level's record in the progress file, for this checkout only: the file is one per account, and a
 * second clone (or another learner on the same account) starts with its own hints and failures.
 */
const progressKey = (entry: ChallengeEntry) => `challenge-${entry.number} ${resolve(ROOT)}`;

/** Checks `file` against the level once, printing each step as it ends; true when every attack passed. */
async function checkOnce(
  entry: ChallengeEntry,
  level: ChallengeLevel,
  file: string,
  only: string | undefined,
  io: Run,
): Promise<boolean> {
  const { say, lang } = io;
  const given = readKnobs(SEED_KNOB, io.env).SEED;
  const seed = given >= 0 ? given : Math.floor(Math.random() * 2 ** 31);
  const total = only === undefined ? level.attacks.length : 1;
  io.write(`${say.header(entry.number, titleIn(lang, entry, level), file, seed)}\n`);
  let index = 0;
  const report: Report = await level.check(resolve(ROOT, file), {
    seed,
    only,
    onStep: (step) => io.write(`${renderStep(step, ++index, total, lang).join('\n')}\n`),
  });
  if (report.cannotCheck) {
    io.write(`${say.cannotCheck(report.cannotCheck)}\n`);
    return false;
  }
  const failed = report.steps.find((step) => step.failure);
  await updateProgress(progressPath(io.env), (progress) => {
    const record = progress[progressKey(entry)] ?? {};
    if (failed) record.failed = [failed.name];
    else if (only === undefined) record.passed = [...new Set([...(record.passed ?? []), file])];
    progress[progressKey(entry)] = record;
  });
  if (failed) {
    const attack = level.attacks.find((candidate) => candidate.name === failed.name);
    const hints = attack?.hints.length ?? 0;
    // The section that explains the failed attack first, then the level's others.
    const sections = [...new Set([...(attack?.notes ? [attack.notes] : []), ...level.notes])];
    io.write(
      [
        '',
        say.replay(`SEED=${seed} npm run challenge -- ${entry.number} ${file} --attack ${failed.name}`),
        say.stuck(entry.number, hints, failed.name),
        say.read(sections.map((anchor) => readingPointer(lang, anchor))),
        '',
      ].join('\n'),
    );
    return false;
  }
  if (only === undefined) io.write(`\n${say.everyAttackPassed(entry.number, entry.solution)}\n`);
  return true;
}

/** The next hint for the attack the level's last run failed; once all are given, all of them again. */
async function hint(entry: ChallengeEntry, level: ChallengeLevel, io: Run): Promise<number> {
  const { say, lang } = io;
  const path = progressPath(io.env);
  const record = (await loadProgress(path))[progressKey(entry)] ?? {};
  const failed = record.failed?.[0];
  const attack = level.attacks.find((candidate) => candidate.name === failed);
  if (!attack) throw new UsageError(say.hintsAfterFailure(entry.number));
  const given = (record.hints ?? []).filter((seen) => seen.startsWith(`${attack.name}#`)).length;
  if (given >= attack.hints.length) {
    for (const [i, each] of attack.hints.entries())
      io.write(`${say.hint(i + 1, attack.hints.length, attack.name, each[lang])}\n`);
    io.write(`${say.noMoreHints(attack.name, readingPointer(lang, attack.notes ?? level.notes[0]), entry.number)}\n`);
    return 0;
  }
  io.write(`${say.hint(given + 1, attack.hints.length, attack.name, attack.hints[given][lang])}\n`);
  await updateProgress(path, (progress) => {
    const updated = progress[progressKey(entry)] ?? {};
    updated.hints = [...(updated.hints ?? []), `${attack.name}#${given + 1}`];
    progress[progressKey(entry)] = updated;
  });
  return 0;
}

/**
 * `git checkout HEAD` of the starter: the learner's changes to it since the last commit, staged or
 * not, leave the starter, and are kept first in a copy beside it that the message names.
 */
async function reset(entry: ChallengeEntry, { say, write, env }: Run): Promise<number> {
  const git = await findTool('git');
  if (!git) throw new Error(say.noGit);
  // git diff --quiet exits 1 when the file differs from the last commit.
  const changed = (await runTool(git, ['diff', '--quiet', 'HEAD', '--', entry.starter], 10_000, ROOT)).code === 1;
  // A starter the learner deleted has nothing to keep.
  const kept =
    changed && existsSync(join(ROOT, entry.starter))
      ? `${entry.starter}.${new Date().toISOString().replaceAll(':', '-')}.bak`
      : undefined;
  if (kept) await copyFile(join(ROOT, entry.starter), join(ROOT, kept));
  // From the last commit, not the index (git checkout -- FILE): a starter the learner staged with git add
  // would come back as they staged it.
  const run = await runTool(git, ['checkout', 'HEAD', '--', entry.starter], 10_000, ROOT);
  if (run.code !== 0) throw new Error(say.checkoutFailed(entry.starter, run.stderr.trim().split('\n')[0]));
  // Starting over: the hints given and the last failure go with the learner's server.
  await updateProgress(progressPath(env), (progress) => {
    delete progress[progressKey(entry)];
  });
  write(`${say.restored(entry.starter, kept)}\n`);
  return 0;
}

/** How long a save's events must be quiet before the file counts as saved: an editor's save takes a few ms. */
const SAVE_SETTLES_MS = 100;

/**
 * Runs the check, then again after every save of `file` until the signal (or Ctrl-C). One save can
 * come as several events, a truncate and then a write (how many depends on the editor and the Node
 * version), so a check waits until the events have been quiet for SAVE_SETTLES_MS, and runs only
 * when the file holds other text than the last one checked.
 */
async function watchAndCheck(file: string, check: () => Promise<boolean>, io: Run): Promise<number> {
  const path = resolve(ROOT, file);
  const text = () => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  let checked = text();
  await check();
  let running: Promise<void> | undefined;
  let again = false;
  const rerun = async () => {
    do {
      again = false;
      if (text() === checked) continue;
      checked = text();
      io.write('\n');
      await check();
    } while (again);
    running = undefined;
  };
  // fs.watch() watches from the moment it returns; the promise API's watch() is an async generator
  // (lib/internal/fs/watchers.js), which starts watching only once iterated.
  // The folder, not the file: an editor that saves by renaming a new file into place ends a watch on the old one.
  let settling: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(path), { signal: io.signal }, (_, changed) => {
    if (changed !== basename(file)) return;
    clearTimeout(settling);
    settling = setTimeout(() => {
      if (running) again = true;
      else running = rerun();
    }, SAVE_SETTLES_MS);
  });
  watcher.on('close', () => clearTimeout(settling));
  io.write(`\n${io.say.watching(file)}\n`);
  await new Promise((resolve) => watcher.on('close', resolve));
  await running;
  return 0;
}

/** Every level checked on the learner's file, side by side, one a line, and the next to try. */
async function list(levels: readonly ChallengeEntry[], io: Run): Promise<number> {
  const { say, lang } = io;
  io.write(`${say.listing}\n`);
  const loaded = await Promise.all(levels.map(loadLevel));
  const seed = Math.max(0, readKnobs(SEED_KNOB, io.env).SEED);
  const reports = await Promise.all(loaded.map((level, i) => level.check(resolve(ROOT, levels[i].starter), { seed })));
  const passes = (report: Report) => !report.cannotCheck && report.steps.every((step) => !step.failure);
  levels.forEach((entry, i) => {
    const report = reports[i];
    const failed = report.steps.find((step) => step.failure);
    const state = report.cannotCheck ? say.cannotCheckHere : failed ? say.fails(failed.name) : say.passes;
    io.write(`${entry.number}  ${titleIn(lang, entry, loaded[i])}: ${state}  (${entry.starter})\n`);
  });
  // Issue 21 keeps level 6 for later: said here, so that the ladder does not seem to end at 5.
  if (levels.every((entry) => Number(entry.number) < 6)) io.write(`6  ${say.later}: ${say.notBuiltYet}\n`);
  const next = levels.find((_, i) => !passes(reports[i]));
  io.write(`\n${next ? say.next(next.number) : say.allPass}\n`);
  return 0;
}

/**
 * Runs `npm run challenge -- ARGS`, in Korean with `--lang ko` or under a Korean locale (in
 * io.env); a test may pass fewer levels and its own io.
 */
export async function challenge(
  args: readonly string[],
  io: ChallengeIo = processIo,
  levels = listLevels(),
): Promise<number> {
  const { lang, rest } = takeLanguage(args, io.env);
  const run: Run = { ...io, lang, say: CHALLENGE_TEXT[lang] };
  const { say } = run;
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(rest, FLAGS, true);
  } catch (error) {
    throw new UsageError(say.badFlags((error as Error).message));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.write(`${say.usage}\n`);
    return 0;
  }
  if (positionals.length === 1 && positionals[0] === 'list' && Object.keys(values).every((flag) => !values[flag]))
    return list(levels, run);
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError(say.usage);
  const entry = levels.find((candidate) => candidate.number === String(Number(positionals[0])));
  if (!/^\d+$/.test(positionals[0]) || !entry)
    throw new UsageError(
      say.noLevel(
        positionals[0],
        levels.map((level) => level.number),
      ),
    );
  const level = await loadLevel(entry);
  const actions = (['hint', 'solution', 'reset'] as const).filter((flag) => values[flag]);
  if (actions.length > 0) {
    if (actions.length > 1 || positionals.length > 1 || values.watch || values.attack !== undefined)
      throw new UsageError(say.actionAlone(actions[0], entry.number));
    if (actions[0] === 'hint') return hint(entry, level, run);
    if (actions[0] === 'reset') return reset(entry, run);
    io.write(`${entry.solution}:\n\n${readFileSync(join(ROOT, entry.solution), 'utf8')}`);
    return 0;
  }
  const only = values.attack as string | undefined;
  if (only !== undefined && !level.attacks.some((attack) => attack.name === only))
    throw new UsageError(
      say.noAttack(
        entry.number,
        only,
        level.attacks.map((attack) => attack.name),
      ),
    );
  const file = positionals[1] === undefined ? entry.starter : learnerFile(positionals[1], run.cwd, run.say.noFile);
  const check = () => checkOnce(entry, level, file, only, run);
  if (values.watch) return watchAndCheck(file, check, run);
  return (await check()) ? 0 : 1;
}

if (isMain(import.meta.url)) await runMain(() => challenge(process.argv.slice(2)));
