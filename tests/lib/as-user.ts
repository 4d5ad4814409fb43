/**
 * Seeing what another user sees, without starting a process: a root test process takes the
 * effective uid of `nobody` for one call, then takes root back. The kernel judges a bind() or a
 * read of another process's /proc/PID/fd by the effective uid (and the effective capabilities,
 * which leave with uid 0 and come back with it), so the call meets exactly the refusals a
 * learner's own account would. The real uid stays 0, which is what allows the way back.
 */

/** The conventional uid of "nobody". */
export const NOBODY_UID = 65534;

/** Runs `work` with the effective uid `uid`; root again afterwards, whatever happens. Needs root. */
export async function withEffectiveUid<T>(uid: number, work: () => T | Promise<T>): Promise<T> {
  process.seteuid!(uid);
  try {
    return await work();
  } finally {
    process.seteuid!(0);
  }
}
