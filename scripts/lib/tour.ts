/**
 * `npm start`: the tour. Runs the numbered scripts in the notes' order, each under a heading with
 * its title and its level (basics or deeper), exactly as a learner would run it by hand, then says
 * in one line what to look at. On a terminal it waits for Enter before the next script (q stops);
 * without one (CI) it runs straight through. `npm start -- basics` runs the beginner path;
 * `npm start -- 03` runs one script, `-- 02 05` a few. With `--lang ko`, or under a Korean locale,
 * the tour's own lines are Korean (the titles are NOTES.ko.md's headings); the scripts' output stays English.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { type Entry, listEntries, ROOT, selectEntries } from './catalog.ts';
import { nodeArgsFor } from './child.ts';
import { isMain, parseFlags, runMain, UsageError } from './cli.ts';
import { type Lang, takeLanguage } from './lang.ts';
import { LEVEL_WORDS } from './messages/levels.ts';
import { TOUR_TEXT, type TourText } from './messages/tour.ts';

/** A script that has not ended by then is stuck, which is a bug worth saying out loud. */
const SCRIPT_TIMEOUT_MS = 60_000;
const STOP = 'q';

/** What the tour runs for a script: this process's Node, the script, and the arguments its @run line shows. */
export function commandOf(entry: Entry): string[] {
  return [process.execPath, ...nodeArgsFor(entry.script, entry.runArgs)];
}

/**
 * The scripts the words name: `basics` is the beginner path in the notes' order; no word is every
 * script. The words are typed as they are in any language; a mistake is told in `lang`.
 */
export function tourPlan(positionals: readonly string[], lang: Lang = 'en'): Entry[] {
  const text = TOUR_TEXT[lang];
  if (positionals.length === 0) return listEntries();
  return positionals.flatMap((word) => {
    if (word === LEVEL_WORDS.en.basics) return listEntries().filter((entry) => entry.level === 'basics');
    if (!/^\d+$/.test(word) && !/^\d\d-/.test(word)) throw new UsageError(`${text.unknownWord(word)}; ${text.usage}`);
    return selectEntries([word], text.noScript);
  });
}

/** Runs one script as commandOf says; true when it exited 0. The learner's keys stay with the tour. */
async function runOne(entry: Entry, write: (line: string) => void, text: TourText): Promise<boolean> {
  write(`\n${text.heading(entry)}\n$ ${entry.run}\n\n`);
  const [node, ...args] = commandOf(entry);
  const child = spawn(node, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: SCRIPT_TIMEOUT_MS });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) process.stderr.write(`${text.failed(entry.script, signal ?? text.exitCode(code))}\n`);
  write(`\n${text.lookAt(entry)}\n`);
  return code === 0;
}

/** Waits for a line on a terminal: true to go on, false for q or the end of input (Ctrl-D). */
type Pause = (next: Entry) => Promise<boolean>;

function pauseOnTerminal(write: (line: string) => void, text: TourText): { pause: Pause; close: () => void } {
  const lines = createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
  return {
    pause: async (next) => {
      write(text.prompt(next));
      const line = await lines.next();
      return !line.done && line.value.trim().toLowerCase() !== STOP;
    },
    close: () => {
      void lines.return?.();
      // A terminal's stdin keeps the process alive while it is open; nothing more is read from it.
      process.stdin.destroy();
    },
  };
}

/** Runs `npm start -- ARGS`: in Korean with `--lang ko` or under a Korean locale (`env`). */
export async function tour(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { lang, rest } = takeLanguage(argv, env);
  const text = TOUR_TEXT[lang];
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(rest, { help: { type: 'boolean', short: 'h' } }, true);
  } catch (error) {
    throw new UsageError(text.badArgument((error as Error).message));
  }
  const write = (line: string) => process.stdout.write(line);
  if (parsed.values.help) {
    write(`${text.usage}\n`);
    return 0;
  }
  const entries = tourPlan(parsed.positionals, lang);
  const onTerminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const basics = entries.filter((entry) => entry.level === 'basics').length;
  if (entries.length > 1) write(`${text.intro(entries.length, basics, onTerminal)}\n`);
  const keys = onTerminal ? pauseOnTerminal(write, text) : undefined;
  let completed = 0;
  try {
    for (const [i, entry] of entries.entries()) {
      if (await runOne(entry, write, text)) completed++;
      const next = entries[i + 1];
      if (next && keys && !(await keys.pause(next))) {
        write(`\n${text.stopped(completed, i + 1, entries.slice(i + 1))}\n`);
        return completed === i + 1 ? 0 : 1;
      }
    }
  } finally {
    keys?.close();
  }
  write(`\n${text.done(completed, entries.length)}\n`);
  return completed === entries.length ? 0 : 1;
}

if (isMain(import.meta.url)) await runMain(() => tour(process.argv.slice(2)));
