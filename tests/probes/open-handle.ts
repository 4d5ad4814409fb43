/**
 * A test file whose process never exits: its test passes and leaves a server listening. Copied
 * under a .test.ts name, it shows that npm test (tests/lib/run-suite.ts) bounds the whole run.
 */
import { createServer } from 'node:net';
import { test } from 'node:test';

test('passes, and leaves a server listening', () => {
  createServer().listen(0, '127.0.0.1');
});
