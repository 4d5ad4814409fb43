/** The words for the two levels of the reading path, shared by every runner that shows them. */
import type { Level } from '../catalog.ts';

export const LEVEL_WORDS: Readonly<Record<Level, string>> = { basics: 'basics', deeper: 'deeper' };
