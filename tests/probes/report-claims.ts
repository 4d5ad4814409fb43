/**
 * Reports a test file's claims as the exercise runner does after its verdict (runClaims in
 * scripts/lib/claims.ts), and exits with its code. A process of its own, because node:test's run()
 * does not run files from inside a test file. Used by tests/exercise.test.ts.
 *
 * Usage: node tests/probes/report-claims.ts FILE [--verbose]
 */
import { runClaims } from '../../scripts/lib/claims.ts';

const [file, mode] = process.argv.slice(2);
process.exitCode = await runClaims(file, process.env, mode === '--verbose', (text) => process.stdout.write(text));
