import { describe, expect, test } from "bun:test";
import { Utf8Stream } from "../../../engine/text/utf8.ts";

const FFFD = "\uFFFD";

/** Pushes each chunk and returns what each push (and the final flush) gave. */
function run(chunks: number[][]): string[] {
  const s = new Utf8Stream();
  const out = chunks.map((c) => s.push(new Uint8Array(c)));
  out.push(s.flush());
  return out;
}

describe("Utf8Stream", () => {
  test("ASCII passes straight through", () => {
    expect(run([[0x48, 0x69], [0x21]])).toEqual(["Hi", "!", ""]);
  });

  test("a character split across byte-fallback tokens appears once complete", () => {
    expect(run([[0xe2], [0x82], [0xac]])).toEqual(["", "", "€", ""]); // U+20AC
    expect(run([[0xf0], [0x9f], [0x98], [0x80]])).toEqual(["", "", "", "😀", ""]);
  });

  test("text before and after a split character is not held back", () => {
    expect(run([[0x41, 0xf0, 0x9f], [0x98, 0x80, 0x42]])).toEqual(["A", "😀B", ""]);
  });

  test("every split of a mixed string reassembles it exactly", () => {
    const text = "aé€😀z\u{10FFFF}中";
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const s = new Utf8Stream();
        const got = s.push(bytes.subarray(0, i)) + s.push(bytes.subarray(i, j)) + s.push(bytes.subarray(j)) + s.flush();
        expect(got).toBe(text);
      }
    }
  });

  test("bytes that can never start a character are replaced at once", () => {
    expect(run([[0xff], [0x41]])).toEqual([FFFD, "A", ""]);
    expect(run([[0x80], [0x41]])).toEqual([FFFD, "A", ""]); // lone continuation byte
    expect(run([[0xf5]])).toEqual([FFFD, ""]);
    expect(run([[0xc0], [0x80]])).toEqual([FFFD, FFFD, ""]); // overlong lead
  });

  test("a broken sequence is replaced as soon as the bad byte arrives", () => {
    expect(run([[0xe2], [0x41]])).toEqual(["", FFFD + "A", ""]);
    expect(run([[0xe2, 0x82], [0x41]])).toEqual(["", FFFD + "A", ""]);
    expect(run([[0xed], [0xa0], [0x80]])).toEqual(["", FFFD + FFFD, FFFD, ""]); // UTF-16 surrogate
    expect(run([[0xf4], [0x90]])).toEqual(["", FFFD + FFFD, ""]); // above U+10FFFF
    expect(run([[0xe0], [0x80]])).toEqual(["", FFFD + FFFD, ""]); // overlong 3-byte form
  });

  test("flush turns an unfinished tail into U+FFFD and resets", () => {
    const s = new Utf8Stream();
    expect(s.push(new Uint8Array([0x41, 0xe2, 0x82]))).toBe("A");
    expect(s.flush()).toBe(FFFD);
    expect(s.push(new Uint8Array([0x42]))).toBe("B");
    expect(s.flush()).toBe("");
  });

  test("a generated U+FEFF at the start is kept", () => {
    expect(run([[0xef, 0xbb, 0xbf, 0x41]])).toEqual(["\uFEFFA", ""]);
  });
});
