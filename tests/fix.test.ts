/**
 * Every fix-the-bug exercise proves itself: the program as shipped fails its check, and its
 * reference solution passes it. Also `npm run fix` as a learner uses it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Verdict } from '../scripts/lib/fix-check.ts';
import { UsageError } from '../scripts/lib/cli.ts';
import { fix as runFix, listFixes, loadCheck } from '../scripts/lib/fix.ts';
import { findTool, runTool } from '../scripts/lib/tools.ts';
import { workedOrSkip } from './lib/tools.ts';
import { ROOT, runScript } from './lib/transcript.ts';

const fixes = listFixes();
const scratch = await mkdtemp(join(tmpdir(), 'socket-notes-fix-'));
test.after(() => rm(scratch, { recursive: true, force: true }));

/**
 * The program as committed. A learner who has fixed their copy still has the shipped one in git;
 * without git (an unpacked archive) the copy on disk is the shipped one.
 */
async function shipped(program: string): Promise<string> {
  const git = await findTool('git');
  if (!git) return program;
  const committed = await runTool(git, ['show', `HEAD:${program}`], 5000, ROOT);
  if (committed.code !== 0) return program;
  // Unchanged, it runs where it is: Node's compile cache keys a file's stripped code by its path.
  if (committed.stdout === (await readFile(join(ROOT, program), 'utf8'))) return program;
  const copy = join(scratch, program.replaceAll('/', '-'));
  await writeFile(copy, committed.stdout);
  return copy;
}

test('there are at least 8 exercises, each with its program, its solution and its check', () => {
  assert.ok(fixes.length >= 8, `${fixes.length} exercises`);
  assert.deepEqual(
    fixes.map((fix) => fix.number),
    fixes.map((_, i) => String(i + 1)),
    'numbered 1, 2, 3… in order',
  );
});

// Each check uses ports of its own (port 0), so the exercises are proved side by side.
describe('each fix-the-bug exercise', { concurrency: true }, () => {
  for (const fix of fixes)
    test(`fix ${fix.number} (${fix.program}): as shipped it fails its check, its solution passes`, async (t) => {
      const check = await loadCheck(fix);
      // The two runs use ports and namespaces of their own, so they run side by side too.
      const verdicts: Verdict[] = await Promise.all([
        check.check(await shipped(fix.program)),
        check.check(fix.solution),
      ]);
      for (const verdict of verdicts)
        if (!workedOrSkip(t, 'cannotCheck' in verdict ? verdict.cannotCheck : undefined)) return;
      const [asShipped, solved] = verdicts as Array<{ passed: boolean; saw: string }>;
      assert.equal(asShipped.passed, false, `the shipped program passed: ${asShipped.saw}`);
      assert.equal(solved.passed, true, `the solution failed: ${solved.saw}`);
      t.diagnostic(`shipped: ${asShipped.saw}`);
      t.diagnostic(`solution: ${solved.saw}`);
    });
});

test('npm run fix -- 1 on the shipped program: what the check saw, a hint, the section to read, exit 1', async () => {
  const run = await runScript('scripts/lib/fix.ts', ['1']);
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.match(lines[0], /^1 {2}A line server that answers every line {2}\(scripts\/fix\/01-shout-server\.ts\)$/);
  assert.match(lines[1], /^fails: wrote .* heard back HELLO, WOR where WORLD was due$/);
  assert.match(lines[2], /^hint: /);
  assert.match(lines[3], /^read: NOTES\.md §2\.5 read\(\) and write\(\)/);
});

test('npm run fix -- list: one exercise a line, by number, with whether the copy passes', async () => {
  // Two of the quick checks, in this process: the listing is the same for any number of them.
  const listed = fixes.filter((fix) => ['1', '8'].includes(fix.number));
  let text = '';
  const collect = (written: string) => {
    text += written;
  };
  assert.equal(await runFix(['list'], collect, listed), 0);
  const rows = text.split('\n').filter((line) => /^\d+ {2}/.test(line));
  assert.deepEqual(
    rows.map((row) => row.split(' ')[0]),
    ['1', '8'],
  );
  for (const row of rows)
    assert.match(row, /: (passes|fails|cannot check here) {2}\(scripts\/fix\/\d\d-[a-z0-9-]+\.ts\)$/);
  assert.match(text, /^Next: npm run fix -- 1$/m, 'the first that does not pass yet');
});

test('npm run fix with a number that is not an exercise, or with nothing: one line, exit 2', async () => {
  const run = await runScript('scripts/lib/fix.ts', ['99']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^error: no fix exercise "99"; there are 1, 2, .*\n$/);
  // The same code path in this process for the other cases.
  for (const args of [['one'], []])
    await assert.rejects(
      runFix(args, () => {}),
      (error: Error) => error instanceof UsageError,
    );
});
