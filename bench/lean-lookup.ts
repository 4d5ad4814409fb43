/**
 * The floor under 08's `--port P`: a process that loads what 08 must load for any lookup, the
 * lesson (scripts/08-port-vs-pid.ts, the file a learner runs, with its node: modules) and the
 * lookup (lib/port-lookup.ts), then prints the lookup's answer as JSON. No command line, no lab:
 * the benchmark (bench/lookup.ts) times it beside 08 to show how much of 08's time those two take.
 * Run as `node bench/lean-lookup.ts PORT`.
 */
// Imported, not run: the lesson's guard starts nothing when it is not the program.
import '../scripts/08-port-vs-pid.ts';
import { lookupPort } from '../scripts/lib/port-lookup.ts';

console.log(JSON.stringify(lookupPort(Number(process.argv[2]))));
