/**
 * Every lesson where a learner may run it, beyond `npm test` (which runs each one alone under the
 * project's `node`, and under its lab):
 * - copied alone into an empty folder and run by tsx, which compiles a lone .ts file to CommonJS,
 *   where a top-level await would be an error: it runs, and tells its story;
 * - the design card's command on the Node a learner may have (issue 18), inside the project: on
 *   this machine's Node 20 through tsx (`tsx scripts/03-accept.ts`) and on Node 22 by itself
 *   (`node scripts/03-accept.ts`). Each either runs, or says in one line which Node it needs and
 *   how to get the project's own; never a stack trace.
 * CI runs it after the suite, as `node --test tests/portability/`, with Node 22 from the registry.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { listEntries, ROOT } from '../../scripts/lib/catalog.ts';
import { storyOfLessonAlone } from '../lib/lesson.ts';

/** A lesson runs in seconds (16 waits out kernel timers); the bound is for one that hangs. */
const RUN_TIMEOUT_MS = 180_000;
const TSX_CLI = `${ROOT}node_modules/tsx/dist/cli.mjs`;
/** The one line a lesson may print instead of running: the Node it needs, and the project's command. */
const NEEDS_NODE = /^error: .*needs Node \d+(\.\d+)* or later.*npx tsx scripts\/\d\d-[a-z0-9-]+\.ts/;

interface OldNode {
  name: string;
  /** The node binary, or why there is none here. */
  node: string | { missing: string };
  /** The arguments before the lesson's path: tsx's CLI on a Node without type stripping. */
  loader: string[];
}

/** `path` if it is a Node of line `major`, else why not. */
function nodeOfLine(path: string | undefined, major: number, hint: string): string | { missing: string } {
  if (!path || !existsSync(path)) return { missing: `no Node ${major} here (${hint})` };
  const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  return version.startsWith(`v${major}.`) ? path : { missing: `${path} is ${version}, not Node ${major}` };
}

const runners: OldNode[] = [
  {
    name: 'Node 20 with tsx',
    node: nodeOfLine(process.env.NODE20 ?? '/usr/bin/node', 20, 'set NODE20'),
    loader: [TSX_CLI],
  },
  { name: 'Node 22', node: nodeOfLine(process.env.NODE22, 22, 'set NODE22: npx -p node@22 -- node'), loader: [] },
];

function run(node: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(node, args, { cwd: ROOT, timeout: RUN_TIMEOUT_MS, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    ),
  );
}

describe('alone in an empty folder, run by tsx', () => {
  for (const { base } of listEntries())
    test(`${base} runs to its end, every line naming its speaker`, async () => {
      const lines = await storyOfLessonAlone(base, 'tsx');
      assert.ok(lines.length > 0, 'it printed its story');
    });
});

for (const runner of runners)
  describe(runner.name, () => {
    for (const { base, script } of listEntries())
      test(`${base} runs, or says in one line which Node it needs`, async (t) => {
        if (typeof runner.node !== 'string') return t.skip(runner.node.missing);
        const { code, stdout, stderr } = await run(runner.node, [...runner.loader, script]);
        assert.doesNotMatch(stderr, /^\s+at /m, `a stack trace:\n${stderr}`);
        if (code === 0) return;
        const said = `${stdout}${stderr}`.trim();
        assert.equal(said.split('\n').length, 1, `more than one line, exit ${code}:\n${said}`);
        assert.match(said, NEEDS_NODE);
      });
  });
