/**
 * Every fix-the-bug check passes only a program that fixes the lesson's mistake. Beside each
 * exercise's proof in fix.test.ts (the shipped program fails, the solution passes), the wrong
 * fixes in tests/fix/wrong/ each fail its check: what a learner or a well-known reference would
 * write instead (move code around, wait a while, silence the error, change another line, fix half).
 * Each file's header says what it @tries, why it is @wrong, and what the check @says about it, a
 * pattern the check's English verdict must match: it has to point at the real mistake, not just fail.
 * Its Korean verdict must be said in Korean (Hangul around what the program printed).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { headerTags } from '../../scripts/lib/catalog.ts';
import { type FixExercise, listFixes, loadCheck } from '../../scripts/lib/fix.ts';
import type { Verdict } from '../../scripts/lib/fix-check.ts';
import { assertKorean } from '../lib/korean.ts';
import { workedOrSkip } from '../lib/tools.ts';
import { ROOT } from '../lib/transcript.ts';

const WRONG_FIXES = 'tests/fix/wrong';
const AT_LEAST = 3;
/**
 * Checks run at once, over all exercises. The checks wait more than they compute, but each starts
 * a Node process, and fix 3's moves 128 MiB through this process. On this 2-core machine, busy
 * with other work (load average 15 to 23): all 36 then written, at once, took programs more than
 * START_MS (15 s) to start; with 8 at once, an upload of check 3 did not end within its 20 s. Four
 * at once passed, and took 16 s at a load average of 7 (six at once: 21 s).
 */
const CHECKS_AT_ONCE = 4;
/**
 * Checks of one exercise run at once, within those four: fix 3's each move 128 MiB through this
 * process. With all four of them free to run together (and, then, fix.test.ts's two beside them), one
 * sender did not fill the kernel queues within check 3's 20 s (now stretched by load), under a load
 * average of 31.
 */
const SAME_EXERCISE_AT_ONCE = 2;

interface WrongFix {
  /** tests/fix/wrong/04-relay-server.quiet-errors.ts */
  file: string;
  tries: string;
  wrong: string;
  says: string;
}

/** Every file of tests/fix/wrong/, with its header's tags (empty strings where one is missing). */
function allWrongFixes(): WrongFix[] {
  return readdirSync(join(ROOT, WRONG_FIXES))
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => {
      const tags = headerTags(readFileSync(join(ROOT, WRONG_FIXES, name), 'utf8'));
      const tag = (name: string) => tags[name]?.[0] ?? '';
      return { file: `${WRONG_FIXES}/${name}`, tries: tag('tries'), wrong: tag('wrong'), says: tag('says') };
    });
}

/** An exercise's wrong fixes: tests/fix/wrong/NN-slug.WHAT-IT-TRIES.ts for scripts/fix/NN-slug.ts. */
const wrongFixesOf = (fix: FixExercise) =>
  allWrongFixes().filter((wrong) => basename(wrong.file).startsWith(`${basename(fix.program, '.ts')}.`));

/** Runs at most `slots` of the tasks given to it at once; the others wait their turn, in order. */
function limited(slots: number) {
  let free = slots;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A task that ends hands its slot straight to the next in line.
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

const fixes = listFixes();
const inTurn = limited(CHECKS_AT_ONCE);

test('the exercises are the programs of scripts/fix/ alone: no wrong fix is listed as one', () => {
  const programs = readdirSync(join(ROOT, 'scripts/fix')).filter((name) => name.endsWith('.ts'));
  assert.deepEqual(
    fixes.map((fix) => basename(fix.program)),
    programs.sort(),
  );
});

test(`every wrong fix belongs to an exercise, says what it tries and why it is wrong, and what its check says`, () => {
  const programs = fixes.map((fix) => basename(fix.program, '.ts'));
  for (const wrong of allWrongFixes()) {
    assert.match(basename(wrong.file), /^\d\d-[a-z0-9-]+\.[a-z0-9-]+\.ts$/, 'named NN-slug.what-it-tries.ts');
    assert.ok(programs.includes(basename(wrong.file).split('.')[0]), `${wrong.file} names no exercise`);
    for (const [tag, text] of Object.entries({ tries: wrong.tries, wrong: wrong.wrong, says: wrong.says }))
      assert.notEqual(text, '', `${wrong.file} has no @${tag}`);
  }
});

// Each check uses ports and namespaces of its own (port 0), so the wrong fixes run side by side.
describe('each fix-the-bug check fails every wrong fix, saying what points at the mistake', {
  concurrency: true,
}, () => {
  for (const fix of fixes) {
    const wrongFixes = wrongFixesOf(fix);
    test(`fix ${fix.number} (${fix.program}): ${wrongFixes.length} wrong fixes, each failing its check`, async (t) => {
      assert.ok(wrongFixes.length >= AT_LEAST, `${wrongFixes.length} wrong fixes, where ${AT_LEAST} are due`);
      const check = await loadCheck(fix);
      const ownTurn = limited(SAME_EXERCISE_AT_ONCE);
      const verdicts = await Promise.all(
        wrongFixes.map((wrong) => ownTurn(() => inTurn(() => check.check(wrong.file)))),
      );
      for (const verdict of verdicts)
        if (!workedOrSkip(t, 'cannotCheck' in verdict ? verdict.cannotCheck.en : undefined)) return;
      wrongFixes.forEach((wrong, i) => {
        const { passed, saw } = verdicts[i] as Extract<Verdict, { passed: boolean }>;
        assert.equal(passed, false, `${wrong.file} (${wrong.tries}) passed: ${saw.en}`);
        assert.match(saw.en, new RegExp(wrong.says), `what the check said of ${wrong.file}`);
        // The same verdict in Korean: every branch a wrong fix reaches has its sentence said in Hangul.
        assertKorean(saw.ko, `what the check said of ${wrong.file}, in Korean`);
        t.diagnostic(`${basename(wrong.file)}: ${saw.en}`);
        t.diagnostic(`${basename(wrong.file)}, in Korean: ${saw.ko}`);
      });
    });
  }
});
