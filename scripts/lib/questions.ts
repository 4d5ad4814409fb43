/**
 * Questions a learner answers before a demo runs, answered afterwards by what the demo measured.
 * Each script exports its own `EXERCISE`: the knobs, how to run the demo with them, and the
 * questions. A question's text may use the knobs; its answer is read from the observations only,
 * so it is whatever the kernel did in that run, never a literal.
 */
import type { KnobSet } from './cli.ts';
import type { Lang } from './lang.ts';

/** A text in every language the runners speak: a question whose Korean is missing does not compile. */
export type InEach<Text> = Readonly<Record<Lang, Text>>;

/** A name that reads the same in every language: a state, an errno, an address. */
export const same = (text: string): InEach<string> => ({ en: text, ko: text });

/** The measured answer, or a reason it could not be measured in this run (a missing tool, EXTRA=0). */
export type Measured<Answer> = Answer | { unmeasured: InEach<string> };

interface QuestionBase<Knobs, Seen> {
  /** Stable within its script: the progress file remembers answers by it. */
  id: string;
  ask: InEach<(knobs: Knobs) => string>;
  /** One sentence on why the kernel answered as it did. */
  why: InEach<(seen: Seen, knobs: Knobs) => string>;
  /** The NOTES.md anchor to read ('#23-…'); the script's own section when absent. */
  notes?: string;
}

export interface NumberQuestion<Knobs, Seen> extends QuestionBase<Knobs, Seen> {
  kind: 'number';
  /** Printed right after the number, with its own space where the language wants one: ' bytes', '바이트'. */
  unit?: InEach<string>;
  measure(seen: Seen): Measured<number>;
}

export interface ChoiceQuestion<Knobs, Seen> extends QuestionBase<Knobs, Seen> {
  kind: 'choice';
  /** What the kernel may do, as [value, text] pairs; the learner picks one by its label, a, b, c… in order. */
  options: readonly (readonly [value: string, text: InEach<string>])[];
  /** The value of the option that matches what was observed. */
  measure(seen: Seen): Measured<string>;
}

export type Question<Knobs, Seen> = NumberQuestion<Knobs, Seen> | ChoiceQuestion<Knobs, Seen>;

export interface Exercise<Name extends string, Seen> {
  knobs: KnobSet<Name>;
  /** Runs the script's demo with the knobs in force. */
  observe(knobs: Record<Name, number>): Promise<Seen>;
  questions: readonly Question<Record<Name, number>, Seen>[];
}

/** Names an exercise as a value; the type parameters tie the questions to the observations. */
export function defineExercise<Name extends string, Seen>(exercise: Exercise<Name, Seen>): Exercise<Name, Seen> {
  return exercise;
}

/** Every script's exercise, seen from the runner: knobs and observations of any shape. */
// biome-ignore lint/suspicious/noExplicitAny: the runner only passes a script's observations back to its own questions
export type AnyExercise = Exercise<string, any>;
// biome-ignore lint/suspicious/noExplicitAny: as above
export type AnyQuestion = Question<Record<string, number>, any>;

/** What reading an answer needs of a question: its kind, and a choice's option values in order. */
export type Answerable =
  | { kind: 'number' }
  | { kind: 'choice'; options: readonly (readonly [value: string, ...unknown[]])[] };

/** The labels of a choice question's options: a, b, c… */
export function labels(question: { options: readonly unknown[] }): string[] {
  return question.options.map((_, i) => String.fromCharCode(97 + i));
}

/**
 * A learner's answer as the value it stands for: a whole number, or the value of the option whose label was given.
 * Undefined: not a valid answer to this question.
 */
export function parseAnswer(question: Answerable, raw: string): number | string | undefined {
  const answer = raw.trim().toLowerCase();
  if (question.kind === 'choice') return question.options[labels(question).indexOf(answer)]?.[0];
  return /^-?\d+$/.test(answer) ? Number(answer) : undefined;
}

export function isUnmeasured<Answer>(measured: Measured<Answer>): measured is { unmeasured: InEach<string> } {
  return typeof measured === 'object' && measured !== null && 'unmeasured' in measured;
}

/** The units the questions measure in, in each language. */
export const UNITS = {
  seconds: { en: ' s', ko: '초' },
  bytes: { en: ' bytes', ko: '바이트' },
} as const satisfies Record<string, InEach<string>>;
