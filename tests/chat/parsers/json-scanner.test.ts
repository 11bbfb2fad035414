import { describe, expect, test } from "bun:test";
import { JsonScanner } from "../../../chat/parsers/json-scanner.ts";

/** Feeds text; returns the scanner and how the last character was taken. */
function feed(text: string): { sc: JsonScanner; last: string } {
  const sc = new JsonScanner();
  let last = "more";
  for (const ch of text) {
    for (const unit of ch) {
      last = sc.push(unit);
      if (last !== "more") return { sc, last };
    }
  }
  return { sc, last };
}

function closed(sc: JsonScanner): unknown {
  return JSON.parse(sc.out.slice(0, sc.safe) + sc.safeCloser);
}

/** A small seeded generator of JSON values (strings with escapes, unicode, nesting). */
function randomValue(rand: () => number, depth = 0): unknown {
  const r = rand();
  if (depth > 3 || r < 0.35) {
    const pick = Math.floor(rand() * 6);
    if (pick === 0) return Math.floor(rand() * 2000 - 1000);
    if (pick === 1) return Number((rand() * 100).toFixed(3)) * (rand() < 0.5 ? -1 : 1);
    if (pick === 2) return rand() < 0.5;
    if (pick === 3) return null;
    const alphabet = ['a', 'b', ' ', '"', "\\", "\n", "é", "😀", "/", "<", "}", "]", ","];
    return Array.from({ length: Math.floor(rand() * 8) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
  }
  if (r < 0.65) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  const obj: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 4); i > 0; i--) obj[`k${Math.floor(rand() * 100)}"\\`] = randomValue(rand, depth + 1);
  return obj;
}

function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

describe("JsonScanner", () => {
  test("every prefix of valid JSON closes into valid JSON; the whole text parses back", () => {
    const rand = seeded(7);
    for (let n = 0; n < 150; n++) {
      const value = { v: randomValue(rand) };
      const text = n % 2 ? JSON.stringify(value) : JSON.stringify(value, null, 2);
      const sc = new JsonScanner();
      // UTF-16 units, as the readers feed them: pairs get split here.
      for (let i = 1; i <= text.length; i++) {
        const step = sc.push(text[i - 1]!);
        if (sc.safe > 0) expect(() => closed(sc)).not.toThrow();
        if (i < text.length) expect(step).toBe("more");
        else expect(step).toBe("done");
      }
      expect(JSON.parse(sc.out)).toEqual(value);
    }
  });

  test("the safe prefix never ends inside an escape or a surrogate pair", () => {
    const text = '{"s": "a\\u00e9\\n😀b"}';
    const sc = new JsonScanner();
    for (let i = 0; i < text.length; i++) {
      sc.push(text[i]!);
      const prefix = sc.out.slice(0, sc.safe);
      expect(/\\(u[0-9a-fA-F]{0,3})?$/.test(prefix.replace(/\\\\/g, ""))).toBe(false);
      const last = prefix.charCodeAt(prefix.length - 1);
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
  });

  test("syntax errors are reported where they happen", () => {
    for (const bad of ['{"a" 1}', '{"a": 1,}', "{a: 1}", '{"a": tru}', '{"a": 01}', '{"a": [1 2]}', '{"a": "\\uZZ"}', "}", '{"a": 1]']) {
      expect(feed(bad).last).toBe("error");
    }
  });

  test("a top-level number ends before the character after it", () => {
    expect(feed("12,").last).toBe("done-before");
    const sc = feed("3.5").sc;
    expect(sc.complete).toBe(false);
    expect(sc.finish()).toBe(true);
  });

  test("raw newlines in strings and invalid escapes are normalised into valid JSON", () => {
    const { sc, last } = feed('{"p": "C:\\Users\\x", "t": "a\nb"}');
    expect(last).toBe("done");
    expect(JSON.parse(sc.out)).toEqual({ p: "C:\\Users\\x", t: "a\nb" });
  });
});
