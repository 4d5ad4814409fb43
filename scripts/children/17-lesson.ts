/**
 * 17's lesson on its own, for its lab to run under an /etc/hosts of the lab's making (a mount
 * namespace of its own): the lesson's story goes to stdout, as when a learner runs it alone.
 *
 * Usage: node scripts/children/17-lesson.ts
 */
import { main } from '../17-names.ts';

await main();
