/**
 * Knobs: the numbers a learner changes before running a test file. Each test file lists its knobs
 * at the top and derives every expectation from them.
 */

/** Reads an integer knob from the environment, or `fallback`; a bad value stops the file with one clear message. */
export function knob(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`knob ${name}=${raw} is not a whole number from ${min} to ${max}`);
  }
  return value;
}
