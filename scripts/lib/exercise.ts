/**
 * `npm run exercise -- 04`: predict, then let the kernel judge. Asks the concept's questions (its
 * script's `EXERCISE`) with the knobs set in the environment (`BACKLOG=5 npm run exercise -- 04`),
 * runs the demo, shows each prediction beside what the kernel did, then runs the concept's claim
 * tests. `--answers 4,b,?` gives the answers without a terminal; with neither, the questions are
 * shown with the kernel's answers. `npm run exercise` alone lists every concept's progress.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ROOT, sectionTitle, selectEntries, type Entry } from './catalog.ts';
import { nodeArgsFor } from './child.ts';
import {
  isMain,
  type FlagSpec,
  type KnobSet,
  type Line,
  parseFlags,
  readKnobs,
  renderTimeline,
  runMain,
  type ScriptDefinition,
  UsageError,
} from './cli.ts';
import { loadProgress, progressPath, recordRight } from './progress.ts';
import { type AnyExercise, type AnyQuestion, answerHint, isUnmeasured, labels, parseAnswer } from './questions.ts';

/** Node's test runner and spec reporter, as `npm test` runs each file: the claims are the suite's run of it. */
const TEST_FLAGS = ['--test', '--test-reporter=spec'];

/** Where the exercise reads answers and writes its text; a test passes its own. */
export interface ExerciseIo {
  input: Readable;
  /** True when `input` is a terminal a learner types into. */
  terminal: boolean;
  write(text: string): void;
  env: NodeJS.ProcessEnv;
}

const processIo: ExerciseIo = {
  input: process.stdin,
  terminal: process.stdin.isTTY === true,
  write: (text) => process.stdout.write(text),
  env: process.env,
};

/** A prediction: the value the learner's answer stands for, or undefined where they skipped. */
type Prediction = number | string | undefined;

export interface Concept {
  entry: Entry;
  exercise: AnyExercise;
  // biome-ignore lint/suspicious/noExplicitAny: the script's own observations go back to its own render
  cli: ScriptDefinition<any>;
}

export async function loadConcept(entry: Entry): Promise<Concept> {
  const module = (await import(pathToFileURL(join(ROOT, entry.lab)).href)) as Omit<Concept, 'entry'> & {
    EXERCISE?: AnyExercise;
  };
  if (!module.EXERCISE) throw new Error(`${entry.script} has no EXERCISE`);
  return { entry, exercise: module.EXERCISE, cli: module.cli };
}

const SKIP = '?';

/** `4,b,?` → one prediction per question; a bad one is a UsageError naming it. */
function parseGivenAnswers(questions: readonly AnyQuestion[], given: string, script: string): Prediction[] {
  const raw = given.split(',');
  if (raw.length !== questions.length)
    throw new UsageError(
      `${script} asks ${questions.length} questions; --answers gave ${raw.length} (write ${SKIP} to skip one)`,
    );
  return raw.map((text, i) => {
    if (text.trim() === SKIP) return undefined;
    const value = parseAnswer(questions[i], text);
    if (value === undefined)
      throw new UsageError(`answer ${i + 1} ("${text.trim()}") should be ${answerHint(questions[i])}`);
    return value;
  });
}

function questionText(question: AnyQuestion, knobs: Record<string, number>, number: number): string {
  const lines = [`${number}. ${question.ask(knobs)}`];
  if (question.kind === 'choice') {
    const letters = labels(question);
    lines.push(...question.options.map(([, text], i) => `   ${letters[i]}) ${text}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Asks each question on a terminal, again after an answer that is not valid; end of input skips the rest. */
async function askEach(
  questions: readonly AnyQuestion[],
  knobs: Record<string, number>,
  io: ExerciseIo,
): Promise<Prediction[]> {
  const lines = createInterface({ input: io.input, terminal: false })[Symbol.asyncIterator]();
  const predictions: Prediction[] = [];
  try {
    for (const [i, question] of questions.entries()) {
      io.write(`\n${questionText(question, knobs, i + 1)}`);
      for (;;) {
        io.write(`your prediction (${answerHint(question)}; ${SKIP} skips): `);
        const next = await lines.next();
        if (next.done) return predictions;
        const text = next.value.trim();
        if (text === SKIP || text === '') {
          predictions.push(undefined);
          break;
        }
        const value = parseAnswer(question, text);
        if (value !== undefined) {
          predictions.push(value);
          break;
        }
        io.write(`"${text}" is not ${answerHint(question)}.\n`);
      }
    }
    return predictions;
  } finally {
    await lines.return?.();
    // A terminal's stdin keeps the process alive while it is open; nothing more is read from it.
    io.input.destroy();
  }
}

/** A value as the learner saw it offered: "b) it waits…" for a choice, "4 ms" for a number. */
function shown(question: AnyQuestion, value: number | string): string {
  if (question.kind === 'number') return `${value}${question.unit ? ` ${question.unit}` : ''}`;
  const index = question.options.findIndex(([option]) => option === value);
  return index < 0 ? `${value} (none of the options)` : `${labels(question)[index]}) ${question.options[index][1]}`;
}

interface Verdict {
  id: string;
  right: boolean;
  text: string;
}

/** Each prediction beside what the kernel did, or (no predictions) each question with the kernel's answer. */
function judge(
  concept: Concept,
  seen: unknown,
  knobs: Record<string, number>,
  predictions: Prediction[] | undefined,
): Verdict[] {
  return concept.exercise.questions.map((question, i) => {
    const measured = question.measure(seen);
    const read = `   read: NOTES.md ${sectionTitle(question.notes ?? concept.entry.notes)}`;
    const head = predictions ? '' : questionText(question, knobs, i + 1);
    if (isUnmeasured(measured))
      return {
        id: question.id,
        right: false,
        text: `${head}${i + 1}. not measured in this run: ${measured.unmeasured}`,
      };
    const predicted = predictions?.[i];
    const right = predicted === measured;
    const kernel = shown(question, measured);
    let verdict = `   the kernel: ${kernel}`;
    if (predictions && predicted === undefined) verdict = `${i + 1}. skipped; the kernel: ${kernel}`;
    else if (predicted !== undefined)
      verdict = right
        ? `${i + 1}. right: ${kernel}`
        : `${i + 1}. wrong: you said ${shown(question, predicted)}; the kernel: ${kernel}`;
    return { id: question.id, right, text: `${head}${verdict}\n   why: ${question.why(seen, knobs)}\n${read}` };
  });
}

/** "BACKLOG=3 EXTRA=2", the setting a prediction was made at. */
function settingOf(knobs: Record<string, number>): string {
  const pairs = Object.entries(knobs).map(([name, value]) => `${name}=${value}`);
  return pairs.length === 0 ? 'no knobs' : pairs.join(' ');
}

/** A value of `name` other than `current`, in range and allowed by the rule between the knobs; none if no such. */
function otherValue(set: KnobSet<string>, knobs: Record<string, number>, name: string): number | undefined {
  const { min, max } = set.knobs[name];
  const current = knobs[name];
  for (const candidate of [current + 2, current + 1, current - 1, min, max]) {
    if (candidate === current || candidate < min || candidate > max) continue;
    try {
      set.check?.({ ...knobs, [name]: candidate });
      return candidate;
    } catch {}
  }
  return undefined;
}

/** After a run: the knobs to turn next, each with a value other than the one just used. */
export function nextSteps(concept: Concept, knobs: Record<string, number>): string {
  const { entry, exercise } = concept;
  const advice: string[] = [];
  for (const name of Object.keys(knobs)) {
    const value = otherValue(exercise.knobs, knobs, name);
    if (value !== undefined)
      advice.push(`  ${name}=${value} npm run exercise -- ${entry.number}   (this run: ${name}=${knobs[name]})`);
  }
  const lines = [
    '',
    `Read: NOTES.md ${sectionTitle(entry.notes)}`,
    `Run the demo yourself: ${entry.run}`,
    ...(advice.length === 0
      ? ['This concept has no knobs: change the script itself and predict what the tests will say.']
      : ['Turn a knob and predict again (the answers change with it):', ...advice]),
    ...entry.knobs.map((knob) => `  ${knob}`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/** Every concept with how many of its questions the learner has predicted right, and the next one to try. */
async function listProgress(io: ExerciseIo): Promise<number> {
  const path = progressPath(io.env);
  const progress = await loadProgress(path);
  const rows: Line[] = [];
  let next: Entry | undefined;
  for (const entry of selectEntries([])) {
    const { questions } = (await loadConcept(entry)).exercise;
    const done = questions.filter((question) => (progress[entry.number]?.[question.id]?.length ?? 0) > 0).length;
    if (!next && done < questions.length) next = entry;
    rows.push([entry.number, `${entry.title}: ${done} of ${questions.length} predicted right`]);
  }
  io.write(`Your predictions so far (${path}):\n${renderTimeline(rows)}\n\n`);
  io.write(
    next
      ? `Next: npm run exercise -- ${next.number}\n`
      : 'Every question predicted right once. Turn a knob and predict again: each setting is a new prediction.\n',
  );
  return 0;
}

/** Runs one concept's claim tests with the knobs in the environment; their exit code. */
async function runClaims(entry: Entry, env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, [...TEST_FLAGS, ...nodeArgsFor(entry.test)], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  // A runner killed by a signal has no exit code, and did not pass.
  return code ?? 1;
}

const USAGE = 'npm run exercise [-- NN [--answers 4,b,?] [--no-claims]]';
const EXERCISE_FLAGS: Record<string, FlagSpec> = {
  answers: { type: 'string' },
  'no-claims': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export async function exercise(argv: readonly string[], io: ExerciseIo = processIo): Promise<number> {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv, EXERCISE_FLAGS, true);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; usage: ${USAGE}`);
  }
  const { positionals, values } = parsed;
  if (values.help) {
    io.write(`usage: ${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) return listProgress(io);
  if (positionals.length !== 1) throw new UsageError(`name one concept, e.g. npm run exercise -- 04`);
  const [entry] = selectEntries(positionals);
  const concept = await loadConcept(entry);
  const { questions } = concept.exercise;
  // A bad knob is the learner's typo: one line now, before any question.
  const knobs = readKnobs(concept.exercise.knobs, io.env);
  const setting = settingOf(knobs);
  io.write(`${entry.number} ${entry.title} (${setting}): ${questions.length} questions. Predict, then run.\n`);
  const predictions =
    typeof values.answers === 'string'
      ? parseGivenAnswers(questions, values.answers, entry.number)
      : io.terminal
        ? await askEach(questions, knobs, io)
        : undefined;

  io.write(`\nThe demo, as the kernel ran it:\n`);
  const seen = await concept.exercise.observe(knobs);
  io.write(`${renderTimeline(concept.cli.render(seen, {}))}\n\n`);
  const verdicts = judge(concept, seen, knobs, predictions);
  io.write(`${predictions ? 'Your predictions against the kernel' : 'The questions, answered by the kernel'}:\n`);
  io.write(`${verdicts.map((verdict) => verdict.text).join('\n')}\n`);
  if (predictions) {
    const right = verdicts.filter((verdict) => verdict.right);
    io.write(`\n${right.length} of ${questions.length} right at ${setting}.\n`);
    await recordRight(
      progressPath(io.env),
      entry.number,
      setting,
      right.map((verdict) => verdict.id),
    );
  }
  io.write(nextSteps(concept, knobs));
  return values['no-claims'] ? 0 : runClaims(entry, io.env);
}

if (isMain(import.meta.url)) await runMain(() => exercise(process.argv.slice(2)));
