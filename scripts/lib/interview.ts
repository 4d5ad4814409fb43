/**
 * `npm run exercise -- interview`: the classic network-interview questions (기술 면접 네트워크 질문)
 * that this collection can judge on this kernel. Each is answered by a fresh measurement of the lab
 * that shows it (its exported observe function, at a setting of its own), and points at that lab's
 * section in the notes of the learner's language. `--answers a,3,?` answers without a terminal;
 * with neither, the kernel's answers are shown. Naming question ids asks only those. What it says is
 * in messages/interview.ts, in Korean and English.
 */
import { createInterface } from 'node:readline';
import type { BacklogObservations } from '../lab/04-listen-backlog.ts';
import type { ByteStreamObservations } from '../lab/06-read-write.ts';
import type { HandshakeObservations } from '../lab/09-tcp-handshake.ts';
import type { UdpObservations } from '../lab/10-udp-fire-and-forget.ts';
import type { LossyObservations } from '../lab/15-lossy-link.ts';
import type { DeadPeerObservations } from '../lab/16-dead-peer.ts';
import { listEntries } from './catalog.ts';
import { type FlagSpec, parseFlags, UsageError } from './cli.ts';
import { EDITIONS, editionSections, readEdition } from './editions.ts';
import { type ExerciseIo, loadConcept } from './exercise.ts';
import { HostsUnavailable } from './hosts.ts';
import { withoutLessonLines } from './lab.ts';
import { type Lang, takeLanguage } from './lang.ts';
import { type InterviewQuestionWords, type InterviewWords, INTERVIEW_WORDS } from './messages/interview.ts';
import { labels, parseAnswer } from './questions.ts';

/** A lab's observation at the setting the interview asks about; run once however many questions read it. */
interface Source<Setting, Seen> {
  /** The lab's key: its script's name, as the notes' headings end with it. */
  lab: string;
  setting: Setting;
  observe(setting: Setting): Promise<Seen>;
}

/**
 * A source that runs `lab`'s own demo, the one its exercise runs (EXERCISE.observe), with the knobs
 * the interview's setting gives. The lab is loaded as the exercise runner loads it, by its name in
 * the catalog: scripts/lib/ imports no concept.
 */
function labRun<Setting, Seen>(
  lab: string,
  setting: Setting,
  knobs: (setting: Setting) => Record<string, number>,
): Source<Setting, Seen> {
  return {
    lab,
    setting,
    async observe(chosen) {
      const entry = listEntries().find((candidate) => candidate.script === `scripts/${lab}.ts`);
      if (!entry) throw new Error(`the catalog has no concept ${lab}`);
      return (await (await loadConcept(entry)).exercise.observe(knobs(chosen))) as Seen;
    },
  };
}

const HANDSHAKE = labRun<object, HandshakeObservations>('09-tcp-handshake', {}, () => ({}));
/** Two clients beyond the queue: enough to show the queue's size and a dropped SYN, without a long wait. */
const BACKLOG = labRun<{ backlog: number; extra: number }, BacklogObservations>(
  '04-listen-backlog',
  { backlog: 3, extra: 2 },
  ({ backlog, extra }) => ({ BACKLOG: backlog, EXTRA: extra }),
);
// The large write the lab also makes is not asked about here: a small one keeps the run short.
const BYTE_STREAM = labRun<{ messages: number }, ByteStreamObservations>(
  '06-read-write',
  { messages: 5 },
  ({ messages }) => ({ MESSAGES: messages, LARGE_BYTES: 128 * 1024 }),
);
// The flood is not asked about here: a small one keeps the run short.
const UDP = labRun<{ datagrams: number }, UdpObservations>(
  '10-udp-fire-and-forget',
  { datagrams: 5 },
  ({ datagrams }) => ({
    DATAGRAMS: datagrams,
    FLOOD: 100,
    PAYLOAD: 200,
    RCVBUF: 4096,
  }),
);
/** Two retransmissions: the connection gives up within seconds (the lab's knob, at its lowest but one). */
const DEAD_PEER = labRun<{ retries: number }, DeadPeerObservations>('16-dead-peer', { retries: 2 }, ({ retries }) => ({
  RETRIES: retries,
}));
/** A smaller transfer than the lab's default: the answer does not depend on its size. */
const LOSSY = labRun<{ loss: number; kib: number }, LossyObservations>(
  '15-lossy-link',
  { loss: 10, kib: 64 },
  ({ loss, kib }) => ({ LOSS: loss, KIB: kib, DATAGRAMS: 100 }),
);

type Id = keyof InterviewQuestionWords;
type Words<I extends Id> = InterviewQuestionWords[I];
type SeenOf<I extends Id> = Parameters<Words<I>['why']>[0];
type ValueOf<I extends Id> = Words<I> extends { options: Record<infer Value, string> } ? Value : number;
type SettingOf<I extends Id> = Words<I> extends { ask(setting: infer Setting): string } ? Setting : unknown;
/** What a measurement may find: a choice's reading need not be one of its options (it is shown as none of them). */
type Found<I extends Id> = ValueOf<I> extends number ? number : string;

/** How one question is measured: its source, and its options' order (a choice) or none (a number). */
interface Definition<I extends Id> {
  source: Source<SettingOf<I>, SeenOf<I>>;
  options?: readonly ValueOf<I>[];
  measure(seen: SeenOf<I>): Found<I>;
}

/** The end of a connection whose state is `state` in `ends`: the one that closed first, the other, both, neither. */
function endsIn(ends: { client: string | null; server: string | null }, state: string) {
  // The lab's client closes first.
  const first = ends.client === state;
  const second = ends.server === state;
  return first && second ? 'both' : first ? 'first' : second ? 'second' : 'neither';
}

/** The questions in the order they are asked: a connection's life, then what TCP and UDP promise. */
const DEFINITIONS: { [I in Id]: Definition<I> } = {
  'time-wait': {
    source: HANDSHAKE,
    options: ['first', 'second', 'both', 'neither'],
    measure: ({ life }) => endsIn(life.stages[2].proc, 'TIME_WAIT'),
  },
  'close-wait': {
    source: HANDSHAKE,
    options: ['CLOSE_WAIT', 'FIN_WAIT2', 'LAST_ACK', 'TIME_WAIT'],
    measure: ({ life }) => life.stages[1].proc.server ?? 'no socket',
  },
  'backlog-count': {
    source: BACKLOG,
    measure: ({ clients }) => clients.filter((fate) => fate.connectedBeforeAccept).length,
  },
  'unanswered-syn': {
    source: HANDSHAKE,
    options: ['SYN_SENT', 'SYN_RECV', 'ESTABLISHED'],
    measure: ({ stalled }) => stalled.unanswered.proc.client ?? 'no socket',
  },
  'lost-syn': {
    source: BACKLOG,
    options: ['ECONNREFUSED', 'waits', 'ETIMEDOUT'],
    measure: ({ clients }) => {
      const beyond = clients.filter((fate) => !fate.connectedBeforeAccept);
      return beyond.find((fate) => fate.errorCode !== null)?.errorCode ?? 'waits';
    },
  },
  'tcp-boundaries': {
    source: BYTE_STREAM,
    measure: ({ coalesce }) => coalesce.chunkSizes.length,
  },
  'udp-boundaries': {
    source: UDP,
    measure: ({ boundaries }) => boundaries.received.length,
  },
  'write-delivered': {
    source: DEAD_PEER,
    options: ['fails', 'later-error', 'never-told'],
    measure: ({ written, endings }) =>
      !written.retransmitting.accepted ? 'fails' : endings.retransmitting.code ? 'later-error' : 'never-told',
  },
  'lossy-tcp': {
    source: LOSSY,
    measure: ({ tcp }) => tcp.bytes - tcp.lossy.received,
  },
};

export const INTERVIEW_IDS = Object.keys(DEFINITIONS) as Id[];

/** "§4.1 3-way 핸드셰이크와 연결 상태 (09-tcp-handshake)": the lab's section in the notes of `lang`. */
function sectionOf(lab: string, lang: Lang): string {
  const section = editionSections(readEdition(lang)).find((candidate) => candidate.key === lab);
  if (!section) throw new Error(`${EDITIONS[lang]} has no section for ${lab}`);
  return `§${section.heading}`;
}

/**
 * An interview question in the learner's language, its words resolved; the runner's own answer
 * parsing and labels (questions.ts) read it as they read an exercise's.
 */
type InterviewQuestion = {
  ask(): string;
  why(seen: unknown): string;
  measure(seen: unknown): number | string;
} & (
  | { kind: 'number'; unit?: string }
  | { kind: 'choice'; options: readonly (readonly [value: string, text: string])[] }
);

interface Asked {
  id: Id;
  question: InterviewQuestion;
  source: Source<unknown, unknown>;
}

/** A source this machine could not run (it needs namespaces), with why. */
interface Unmeasured {
  unmeasured: string;
}
const isUnmeasured = (seen: unknown): seen is Unmeasured =>
  typeof seen === 'object' && seen !== null && 'unmeasured' in seen;

/** One question's words, seen loosely here: DEFINITIONS is where their types meet the measurement's. */
interface LooseWords {
  ask: string | ((setting: unknown) => string);
  options?: Record<string, string>;
  unit?: string;
  why(seen: unknown): string;
}

function questionIn(id: Id, say: InterviewWords): Asked {
  const definition = DEFINITIONS[id] as unknown as Definition<Id>;
  const source = definition.source as Source<unknown, unknown>;
  const words = say.questions[id] as unknown as LooseWords;
  const base = {
    ask: () => (typeof words.ask === 'function' ? words.ask(source.setting) : words.ask),
    why: (seen: unknown) => words.why(seen),
  };
  const measure = (seen: unknown) => definition.measure(seen as never);
  const question: InterviewQuestion = definition.options
    ? {
        ...base,
        kind: 'choice',
        options: definition.options.map((value) => [String(value), words.options![value]] as const),
        measure,
      }
    : { ...base, kind: 'number', unit: words.unit, measure };
  return { id, question, source };
}

const SKIP = '?';
type Prediction = number | string | undefined;

const answerHint = (question: InterviewQuestion, say: InterviewWords) =>
  question.kind === 'choice' ? say.oneOf(labels(question)) : say.wholeNumber;

function parseGiven(asked: readonly Asked[], given: string, say: InterviewWords): Prediction[] {
  const raw = given.split(',');
  if (raw.length !== asked.length) throw new UsageError(say.answerCount(asked.length, raw.length, SKIP));
  return raw.map((text, i) => {
    if (text.trim() === SKIP) return undefined;
    const value = parseAnswer(asked[i].question, text);
    if (value === undefined)
      throw new UsageError(say.badGivenAnswer(i + 1, text.trim(), answerHint(asked[i].question, say)));
    return value;
  });
}

function questionText({ question }: Asked, number: number): string {
  const lines = [`${number}. ${question.ask()}`];
  if (question.kind === 'choice') {
    const letters = labels(question);
    lines.push(...question.options.map(([, text], i) => `   ${letters[i]}) ${text}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Asks each question on the terminal, again after an answer that is not valid; end of input skips the rest. */
async function askEach(asked: readonly Asked[], io: ExerciseIo, say: InterviewWords): Promise<Prediction[]> {
  const lines = createInterface({ input: io.input, terminal: false })[Symbol.asyncIterator]();
  const predictions: Prediction[] = [];
  try {
    for (const [i, one] of asked.entries()) {
      io.write(`\n${questionText(one, i + 1)}`);
      for (;;) {
        io.write(say.prompt(answerHint(one.question, say), SKIP));
        const next = await lines.next();
        if (next.done) return predictions;
        const text = next.value.trim();
        const value = text === SKIP || text === '' ? undefined : parseAnswer(one.question, text);
        if (value !== undefined || text === SKIP || text === '') {
          predictions.push(value);
          break;
        }
        io.write(say.notValid(text, answerHint(one.question, say)));
      }
    }
    return predictions;
  } finally {
    await lines.return?.();
    // A terminal's stdin keeps the process alive while it is open; nothing more is read from it.
    io.input.destroy();
  }
}

/** A value as offered: "a) the side that closed first" for a choice, "0 bytes" for a number. */
function shown(question: InterviewQuestion, value: number | string, say: InterviewWords): string {
  if (question.kind === 'number') return `${value}${question.unit ? ` ${question.unit}` : ''}`;
  const index = question.options.findIndex(([option]) => option === value);
  return index < 0 ? say.noneOfTheOptions(value) : `${labels(question)[index]}) ${question.options[index][1]}`;
}

/** Runs each source the questions read, once; a source that needs namespaces this machine cannot make is unmeasured. */
async function observeAll(asked: readonly Asked[]): Promise<Map<Source<unknown, unknown>, unknown>> {
  const seen = new Map<Source<unknown, unknown>, unknown>();
  for (const { source } of asked) {
    if (seen.has(source)) continue;
    try {
      seen.set(source, await source.observe(source.setting));
    } catch (error) {
      if (!(error instanceof HostsUnavailable)) throw error;
      seen.set(source, { unmeasured: error.message });
    }
  }
  return seen;
}

const FLAGS: Record<string, FlagSpec> = {
  answers: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** `argv`: what follows `interview` on the command line. */
export async function interview(argv: readonly string[], io: ExerciseIo): Promise<number> {
  const { lang, rest } = takeLanguage(argv, io.env);
  const say = INTERVIEW_WORDS[lang];
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(rest, FLAGS, true);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; usage: ${say.usage}`);
  }
  const { positionals, values } = parsed;
  if (values.help) {
    io.write(`usage: ${say.usage}\n${say.ids(INTERVIEW_IDS)}\n`);
    return 0;
  }
  const unknown = positionals.find((id) => !INTERVIEW_IDS.includes(id as Id));
  if (unknown !== undefined) throw new UsageError(say.unknownId(unknown, INTERVIEW_IDS));
  const ids = positionals.length === 0 ? INTERVIEW_IDS : INTERVIEW_IDS.filter((id) => positionals.includes(id));
  const asked = ids.map((id) => questionIn(id, say));
  // A bad answer is a typo: one line, before anything else is said.
  const given = typeof values.answers === 'string' ? parseGiven(asked, values.answers, say) : undefined;
  io.write(`${say.start(asked.length)}\n`);
  const predictions = given ?? (io.terminal ? await askEach(asked, io, say) : undefined);
  const labs = [...new Set(asked.map(({ source }) => source.lab))];
  io.write(`\n${say.measuring(labs)}\n\n${say.judged(predictions !== undefined)}\n`);
  // The labs' demos run only to measure: their lines are not the interview's.
  const observations = await withoutLessonLines(() => observeAll(asked));
  let right = 0;
  let measuredCount = 0;
  for (const [i, one] of asked.entries()) {
    const { question } = one;
    const seen = observations.get(one.source);
    const head = predictions ? '' : questionText(one, i + 1);
    if (isUnmeasured(seen)) {
      io.write(`${head}${say.unmeasured(i + 1, seen.unmeasured)}\n`);
      continue;
    }
    const measured = question.measure(seen);
    measuredCount++;
    const predicted = predictions?.[i];
    const kernel = shown(question, measured, say);
    let verdict = say.measured(kernel);
    if (predictions && predicted === undefined) verdict = say.skipped(i + 1, kernel);
    else if (predicted !== undefined) {
      right += predicted === measured ? 1 : 0;
      verdict =
        predicted === measured ? say.right(i + 1, kernel) : say.wrong(i + 1, shown(question, predicted, say), kernel);
    }
    const lab = one.source.lab.slice(0, 2);
    const section = say.read(EDITIONS[lang], sectionOf(one.source.lab, lang));
    io.write(`${head}${verdict}\n${say.why(question.why(seen))}\n${section}\n${say.measuredBy(lab)}\n`);
  }
  if (predictions) io.write(`\n${say.score(right, measuredCount)}\n`);
  return 0;
}
