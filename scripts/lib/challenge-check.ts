/**
 * What a challenge level is and what its check reports (tests/challenge/NN-*.ts define the levels,
 * scripts/lib/challenge.ts runs and prints them). A module of its own, so that a level never
 * imports the runner that imports it.
 */
import type { Lang } from './lang.ts';
import type { InEach } from './questions.ts';

/** The bytes of one connection when a step failed: what the client sent, what it was due, what came back. */
export interface Wire {
  sent: Buffer;
  expected: Buffer;
  received: Buffer;
}

/** Why a step failed: a sentence, the wire where bytes explain it, and the kernel's view at that moment. */
export interface Failure {
  what: string;
  wire?: Wire;
  /** Lines such as "client :41234 → server  ESTABLISHED  Recv-Q 0  Send-Q 0", "server pid 9: 12 descriptors". */
  kernel: string[];
  /** The last lines the learner's program printed (its crash, most often). */
  printed: string;
}

/** One attack as it went: its name (what --attack takes), the claim it checks, and its failure if any. */
export interface Step {
  name: string;
  claim: InEach<string>;
  ms: number;
  failure?: Failure;
}

export interface Report {
  seed: number;
  steps: Step[];
  /** Set when this machine cannot run the check (no /proc, say); no step ran. */
  cannotCheck?: string;
}

export interface CheckOptions {
  seed: number;
  /** Only this attack (a replay). */
  only?: string;
  /** Run every attack even after one fails (the proofs need the whole list); the runner stops at the first. */
  keepGoing?: boolean;
  /** Called as each step ends, so that a learner sees the steps as they pass. */
  onStep?: (step: Step) => void;
}

export interface AttackInfo {
  /** What --attack takes: "half-close". */
  name: string;
  /** In each language the runners speak: a claim or hint without its Korean does not compile. */
  claim: InEach<string>;
  /** Hints for a program that fails this attack, the gentlest first, given one at a time on request. */
  hints: InEach<string>[];
  /** The NOTES.md section ('#26-…') that explains this attack, where it is not the level's first. */
  notes?: string;
}

export interface ChallengeLevel {
  /** The level's title in each language but English: the English one is the starter's own @title. */
  title: Record<Exclude<Lang, 'en'>, string>;
  /** The NOTES.md sections ('#25-…') of the concepts the level exercises. */
  notes: string[];
  /** The attacks, in the order they run. */
  attacks: readonly AttackInfo[];
  /** Starts the program at `file` (a path from the project's root) once per attack and attacks it. */
  check(file: string, options: CheckOptions): Promise<Report>;
}
