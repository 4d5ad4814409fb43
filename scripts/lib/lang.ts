/**
 * The language the learner's runners (exercise, fix, the tour) speak: Korean with `--lang ko` or
 * under a Korean locale, English otherwise. Script output stays English, as ss and strace do.
 */
import { UsageError } from './cli.ts';

export const LANGUAGES = ['en', 'ko'] as const;
export type Lang = (typeof LANGUAGES)[number];

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
