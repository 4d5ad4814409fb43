/**
 * `npm run exercise -- 04`: predict, then let the kernel judge. Asks the concept's questions (its
 * script's `EXERCISE`) with the knobs set in the environment (`BACKLOG=5 npm run exercise -- 04`),
 * runs the demo, shows each prediction beside what the kernel did, then runs the concept's claim
 * tests: one summary line, and a failing claim in full (`--verbose`: every claim). `--answers 4,b,?`
 * gives the answers without a terminal; with neither, the questions are shown with the kernel's
 * answers. `npm run exercise` alone lists every concept's progress, in the notes' order, each marked
 * basics or deeper. It speaks Korean with `--lang ko` or under a Korean locale (lang.ts): what it
 * says is in messages/exercise.ts and messages/exercise-ko.ts, the questions in each language in
 * their labs, and its pointers lead to NOTES.ko.md's sections. The demo's own output stays English.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { type Entry, headingAsCited, listEntries, ROOT, selectEntries } from './catalog.ts';
import { runClaims } from './claims.ts';
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
import { conceptTitle, editionHeading } from './editions.ts';
import { type Lang, takeLanguage } from './lang.ts';
import { interview } from './interview.ts';
import { loadProgress, progressPath, recordRight } from './progress.ts';
import { type ExerciseText, exerciseText } from './messages/exercise.ts';
import { exerciseTextKo } from './messages/exercise-ko.ts';
import { type AnyExercise, type AnyQuestion, isUnmeasured, labels, parseAnswer } from './questions.ts';

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

/** The runner in one language: its messages, and where its pointers into the notes lead. */
interface Voice {
  lang: Lang;
  say: ExerciseText;
  /** The section a NOTES.md anchor names, in this language's edition: "§2.3 …". */
  section(anchor: string): string;
  /** A concept's title: the script's own in English, its section's heading in another edition. */
  title(entry: Entry): string;
}

export function voiceOf(lang: Lang): Voice {
  return {
    lang,
    say: { en: exerciseText, ko: exerciseTextKo }[lang],
    section: (anchor) => headingAsCited(editionHeading(lang, anchor)),
    title: (entry) => (lang === 'en' ? entry.title : conceptTitle(lang, entry.notes)),
  };
}

/** What a valid answer looks like, for the line that asks again. */
function answerHint(question: AnyQuestion, { say }: Voice): string {
  return question.kind === 'choice' ? say.oneOf(labels(question)) : say.wholeNumber;
}

/** `4,b,?` → one prediction per question; a bad one is a UsageError naming it. */
function parseGivenAnswers(
  questions: readonly AnyQuestion[],
  given: string,
  script: string,
  voice: Voice,
): Prediction[] {
  const { say } = voice;
  const raw = given.split(',');
  if (raw.length !== questions.length)
    throw new UsageError(say.answerCount(script, questions.length, raw.length, SKIP));
  return raw.map((text, i) => {
    if (text.trim() === SKIP) return undefined;
    const value = parseAnswer(questions[i], text);
    if (value === undefined)
      throw new UsageError(say.badGivenAnswer(i + 1, text.trim(), answerHint(questions[i], voice)));
    return value;
  });
}

function questionText(question: AnyQuestion, knobs: Record<string, number>, number: number, lang: Lang): string {
  const lines = [`${number}. ${question.ask[lang](knobs)}`];
  if (question.kind === 'choice') {
    const letters = labels(question);
    lines.push(...question.options.map(([, text], i) => `   ${letters[i]}) ${text[lang]}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Asks each question on a terminal, again after an answer that is not valid; end of input skips the rest. */
async function askEach(
  questions: readonly AnyQuestion[],
  knobs: Record<string, number>,
  io: ExerciseIo,
  voice: Voice,
): Promise<Prediction[]> {
  const { say, lang } = voice;
  const lines = createInterface({ input: io.input, terminal: false })[Symbol.asyncIterator]();
  const predictions: Prediction[] = [];
  try {
    for (const [i, question] of questions.entries()) {
      io.write(`\n${questionText(question, knobs, i + 1, lang)}`);
      for (;;) {
        io.write(say.prompt(answerHint(question, voice), SKIP));
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
        io.write(say.notValid(text, answerHint(question, voice)));
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
function shown(question: AnyQuestion, value: number | string, { say, lang }: Voice): string {
  if (question.kind === 'number') return `${value}${question.unit?.[lang] ?? ''}`;
  const index = question.options.findIndex(([option]) => option === value);
  return index < 0 ? say.noneOfTheOptions(value) : `${labels(question)[index]}) ${question.options[index][1][lang]}`;
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
  voice: Voice,
): Verdict[] {
  const { say, lang } = voice;
  return concept.exercise.questions.map((question, i) => {
    const measured = question.measure(seen);
    const read = say.read(voice.section(question.notes ?? concept.entry.notes));
    const head = predictions ? '' : questionText(question, knobs, i + 1, lang);
    if (isUnmeasured(measured))
      return {
        id: question.id,
        right: false,
        text: `${head}${say.unmeasured(i + 1, measured.unmeasured[lang])}`,
      };
    const predicted = predictions?.[i];
    const right = predicted === measured;
    const kernel = shown(question, measured, voice);
    let verdict = say.kernelSaid(kernel);
    if (predictions && predicted === undefined) verdict = say.skipped(i + 1, kernel);
    else if (predicted !== undefined)
      verdict = right ? say.right(i + 1, kernel) : say.wrong(i + 1, shown(question, predicted, voice), kernel);
    const why = say.why(question.why[lang](seen, knobs));
    return { id: question.id, right, text: `${head}${verdict}\n${why}\n${read}` };
  });
}

/** "BACKLOG=3 EXTRA=2", the setting a prediction was made at. */
function settingOf(knobs: Record<string, number>, { say }: Voice): string {
  const pairs = Object.entries(knobs).map(([name, value]) => `${name}=${value}`);
  return pairs.length === 0 ? say.noKnobs : pairs.join(' ');
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
export function nextSteps(concept: Concept, knobs: Record<string, number>, voice = voiceOf('en')): string {
  const { entry, exercise } = concept;
  const { say } = voice;
  const advice: string[] = [];
  for (const name of Object.keys(knobs)) {
    const value = otherValue(exercise.knobs, knobs, name);
    if (value !== undefined) advice.push(say.knobAdvice(name, value, entry.number, knobs[name]));
  }
  const lines = [
    '',
    say.readSection(voice.section(entry.notes)),
    say.runYourself(entry.run),
    ...(advice.length === 0 ? [say.noKnobsAdvice] : [say.turnAKnob, ...advice]),
    ...say.knobList(entry, exercise.knobs).map((knob) => `  ${knob}`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Every concept in the notes' order, marked basics or deeper, with how many of its questions the
 * learner has predicted right; then the next one to try: the first unfinished basics, then deeper.
 */
async function listProgress(io: ExerciseIo, voice: Voice): Promise<number> {
  const { say } = voice;
  const path = progressPath(io.env);
  const progress = await loadProgress(path);
  const rows: Line[] = [];
  const unfinished: Entry[] = [];
  for (const entry of listEntries()) {
    const { questions } = (await loadConcept(entry)).exercise;
    const done = questions.filter((question) => (progress[entry.number]?.[question.id]?.length ?? 0) > 0).length;
    if (done < questions.length) unfinished.push(entry);
    rows.push([entry.number, say.progressRow(entry, voice.title(entry), done, questions.length)]);
  }
  io.write(`${say.progressHeading(path)}\n${renderTimeline(rows)}\n${say.basicsFirst}\n${say.interviewToo}\n\n`);
  const next = unfinished.find((entry) => entry.level === 'basics') ?? unfinished[0];
  io.write(`${next ? say.next(next.number) : say.allDone}\n`);
  return 0;
}

/** Runs `check`; a UsageError it throws is said again in the runner's language. */
function inOwnWords<Value>(check: () => Value, say: (problem: string) => string): Value {
  try {
    return check();
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(say(error.message));
    throw error;
  }
}

const EXERCISE_FLAGS: Record<string, FlagSpec> = {
  answers: { type: 'string' },
  'no-claims': { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export async function exercise(argv: readonly string[], io: ExerciseIo = processIo): Promise<number> {
  // `npm run exercise -- interview`: the interview view takes its own arguments.
  if (argv[0] === 'interview') return interview(argv.slice(1), io);
  const { lang, rest } = takeLanguage(argv, io.env);
  const voice = voiceOf(lang);
  const { say } = voice;
  const { positionals, values } = inOwnWords(
    () => parseFlags(rest, EXERCISE_FLAGS, true),
    (problem) => say.badFlags(problem, say.usage),
  );
  if (values.help) {
    io.write(`${say.usage}\n`);
    return 0;
  }
  if (positionals.length === 0) return listProgress(io, voice);
  if (positionals.length !== 1) throw new UsageError(say.nameOne);
  const [entry] = selectEntries(positionals, say.noConcept);
  const concept = await loadConcept(entry);
  const { questions } = concept.exercise;
  // A bad knob is the learner's typo: one line now, before any question.
  const knobs = inOwnWords(() => readKnobs(concept.exercise.knobs, io.env), say.badKnob);
  const setting = settingOf(knobs, voice);
  io.write(`${say.start(entry, voice.title(entry), setting, questions.length)}\n`);
  const predictions =
    typeof values.answers === 'string'
      ? parseGivenAnswers(questions, values.answers, entry.number, voice)
      : io.terminal
        ? await askEach(questions, knobs, io, voice)
        : undefined;

  io.write(`\n${say.demo}\n`);
  const seen = await concept.exercise.observe(knobs);
  io.write(`${renderTimeline(concept.cli.render(seen, {}))}\n\n`);
  const verdicts = judge(concept, seen, knobs, predictions, voice);
  io.write(`${say.judged(predictions !== undefined)}\n`);
  io.write(`${verdicts.map((verdict) => verdict.text).join('\n')}\n`);
  if (predictions) {
    const right = verdicts.filter((verdict) => verdict.right);
    io.write(`\n${say.score(right.length, questions.length, setting)}\n`);
    await recordRight(
      progressPath(io.env),
      entry.number,
      setting,
      right.map((verdict) => verdict.id),
    );
  }
  io.write(nextSteps(concept, knobs, voice));
  if (values['no-claims']) return 0;
  io.write(`${say.claimsRunning(entry.test)}\n`);
  return runClaims(entry.test, io.env, values.verbose === true, io.write, say);
}

if (isMain(import.meta.url)) await runMain(() => exercise(process.argv.slice(2)));
