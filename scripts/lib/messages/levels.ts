/** The words for the two levels of the reading path, in each language, shared by every runner and front door. */
import type { Level } from '../catalog.ts';
import type { Lang } from '../lang.ts';

export const LEVEL_WORDS: Readonly<Record<Lang, Readonly<Record<Level, string>>>> = {
  en: { basics: 'basics', deeper: 'deeper' },
  ko: { basics: '기초', deeper: '심화' },
};
