// How deeply a JSON text nests, found by one linear scan of its bytes before JSON.parse: a
// 600 KB body of 100,000 nested objects costs gigabytes once parsed, validated and rendered.
// Bytes, not characters: in UTF-8 no byte of a multi-byte character is ASCII, so the quote,
// backslash and bracket bytes found here are the characters themselves.

/** The deepest JSON nesting allowed in a request body. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Whether the text nests arrays and objects deeper than `max` (brackets inside strings don't count). */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
    } else if (b === QUOTE) {
      i = stringEnd(bytes, i);
    }
  }
  return false;
}

/** The index of the quote closing the string opened at `open` (or the end of the text). */
function stringEnd(bytes: Uint8Array, open: number): number {
  let at = open;
  for (;;) {
    // indexOf is native: strings, most of a body, are skipped at memchr speed.
    at = bytes.indexOf(QUOTE, at + 1);
    if (at < 0) return bytes.length;
    let backslashes = 0;
    while (bytes[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}
