/**
 * One look through `ss` at a single TCP socket, taken at a moment a demo chooses (while a client
 * waits in SYN_SENT, while bytes sit in a queue), for a test to read afterwards.
 */
import { findTool, runTool } from '../../scripts/lib/tools.ts';

/** `ss <flags> state <state> sport = :<port>`; undefined when ss is not installed (the test then skips). */
export async function ssSocket(flags: string, state: string, localPort: number): Promise<string | undefined> {
  const ss = await findTool('ss');
  return ss ? (await runTool(ss, [flags, 'state', state, `sport = :${localPort}`])).stdout : undefined;
}
