/** What the Korean text of the runners must be: said, and said in Korean (Hangul in it). */
import assert from 'node:assert/strict';

const HANGUL = /\p{Script=Hangul}/u;

/** Fails unless `text` is not empty and has Hangul in it; `what` names the text in the failure. */
export function assertKorean(text: string, what: string): void {
  assert.ok(text.trim() !== '', `${what}: the Korean text is empty`);
  assert.match(text, HANGUL, `${what}: no Hangul in "${text}"`);
}

/** Every text of a runner's Korean messages, each under its name. */
export function assertAllKorean(texts: Readonly<Record<string, string>>, owner: string): void {
  for (const [name, text] of Object.entries(texts)) assertKorean(text, `${owner}.${name}`);
}

/** A locale that says Korean, with the variables that come before LANG cleared (locale(7)). */
export const KOREAN_LOCALE = { LC_ALL: undefined, LC_MESSAGES: undefined, LANG: 'ko_KR.UTF-8' };
