/**
 * The language the learner's runners (exercise, fix, the tour) speak: Korean with `--lang ko` or
 * under a Korean locale, English otherwise. Script output stays English, as ss and strace do.
 */
import { UsageError } from './cli.ts';

export const LANGUAGES = ['en', 'ko'] as const;
export type Lang = (typeof LANGUAGES)[number];

/**
 * A flag a runner does not take, said the same way by every runner: parseArgs' own sentence (English,
 * as Node wrote it), then the runner's usage line.
 */
export const BAD_FLAGS: Readonly<Record<Lang, (problem: string, usage: string) => string>> = {
  en: (problem, usage) => `${problem}; ${usage}`,
  ko: (problem, usage) => `옵션이 잘못되었습니다(${problem}). ${usage}`,
};

/**
 * The locale's language, as POSIX picks the one for messages: LC_ALL, else LC_MESSAGES, else LANG,
 * the first that is set and not empty (locale(7)).
 */
export function localeLanguage(env: NodeJS.ProcessEnv = process.env): Lang {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((value) => value !== undefined && value !== '');
  return locale?.startsWith('ko') ? 'ko' : 'en';
}

/** Takes `--lang en|ko` (or `--lang=ko`) out of a runner's arguments; without it, the locale decides. */
export function takeLanguage(args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const rest: string[] = [];
  let lang: Lang | undefined;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag !== '--lang') {
      rest.push(args[i]);
      continue;
    }
    const value = inline ?? args[++i];
    if (!LANGUAGES.includes(value as Lang)) throw new UsageError(`--lang takes ${LANGUAGES.join(' or ')}`);
    lang = value as Lang;
  }
  return { lang: lang ?? localeLanguage(env), rest };
}
