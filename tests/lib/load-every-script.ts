/**
 * Loads every numbered script, lesson and lab, in this one process and prints how many it
 * loaded: run with plain `node` (no loader), it proves that Node's own type stripping takes each
 * file as it is.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { listEntries, ROOT } from '../../scripts/lib/catalog.ts';

const entries = listEntries();
for (const entry of entries) {
  await import(pathToFileURL(join(ROOT, entry.script)).href);
  await import(pathToFileURL(join(ROOT, entry.lab)).href);
}
process.stdout.write(`${entries.length}\n`);
