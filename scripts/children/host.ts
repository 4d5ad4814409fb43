/**
 * One "host": a Node process alone in a network namespace that scripts/lib/hosts.ts made for it
 * (unshare --net). It only holds the namespace: the lab runs the lesson's programs and the tools
 * in it with nsenter. It says which namespace it is in, then waits, and exits when the lab that
 * started it goes away; the namespace goes with the last process in it.
 */
import { readlinkSync } from 'node:fs';

// The channel closes when the lab exits, however it exits: then this host, and its namespace, go too.
process.on('disconnect', () => process.exit(0));
process.send!({ ready: readlinkSync('/proc/self/ns/net') });
