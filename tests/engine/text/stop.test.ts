import { describe, expect, test } from "bun:test";
import { StopMatcher } from "../../../engine/text/stop.ts";

/** Feeds the pieces; returns everything emitted (flush included) and whether it stopped. */
function feed(stops: string[], pieces: string[]) {
  const m = new StopMatcher(stops);
  let out = "";
  let stopped = false;
  let stop: string | undefined;
  for (const p of pieces) {
    const r = m.push(p);
    out += r.emit;
    if (r.stopped) {
      stopped = true;
      stop = r.stop;
      break;
    }
  }
  out += m.flush();
  return { out, stopped, stop };
}

describe("StopMatcher", () => {
  test("a stop split at every possible boundary never leaks", () => {
    const text = "Hello world<|end|>ignored tail";
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        const r = feed(["<|end|>"], [text.slice(0, i), text.slice(i, j), text.slice(j)]);
        expect(r).toEqual({ out: "Hello world", stopped: true, stop: "<|end|>" });
      }
    }
  });

  test("one character at a time: emitted text never contains part of the stop", () => {
    const m = new StopMatcher(["STOP"]);
    const emitted: string[] = [];
    for (const ch of "abSTxSTOPyz") {
      const r = m.push(ch);
      emitted.push(r.emit);
      if (r.stopped) break;
    }
    // "ST" is held back until "x" proves it is not the stop.
    expect(emitted).toEqual(["a", "b", "", "", "STx", "", "", "", ""]);
  });

  test("overlapping stops: the earliest match wins, longer one on a tie", () => {
    expect(feed(["ab", "abc"], ["xab", "c"])).toEqual({ out: "x", stopped: true, stop: "ab" });
    expect(feed(["ab", "abc"], ["xabc"])).toEqual({ out: "x", stopped: true, stop: "abc" });
    expect(feed(["bc", "abcd"], ["ab", "c"])).toEqual({ out: "a", stopped: true, stop: "bc" });
  });

  test("holdback is the longest suffix that could start any stop", () => {
    const m = new StopMatcher(["abc", "bcd"]);
    expect(m.push("xab")).toEqual({ emit: "x", stopped: false });
    expect(m.push("c")).toEqual({ emit: "", stopped: true, stop: "abc" });
    const n = new StopMatcher(["aab"]);
    expect(n.push("aaa")).toEqual({ emit: "a", stopped: false });
    expect(n.push("b")).toEqual({ emit: "", stopped: true, stop: "aab" }); // "a" + "aab"
  });

  test("a stop at the very start emits nothing", () => {
    expect(feed(["</s>"], ["</", "s>more"])).toEqual({ out: "", stopped: true, stop: "</s>" });
  });

  test("a false start is released on flush", () => {
    expect(feed(["<|end|>"], ["done <|e"])).toEqual({ out: "done <|e", stopped: false, stop: undefined });
  });

  test("unicode stops, split inside surrogate pairs' neighbours", () => {
    const text = "日本語😀です。終わり";
    for (let i = 0; i <= text.length; i++) {
      expect(feed(["😀です"], [text.slice(0, i), text.slice(i)]).out).toBe("日本語");
    }
    expect(feed(["。"], ["一。二"]).out).toBe("一");
  });

  test("after stopping, further text is dropped", () => {
    const m = new StopMatcher(["x"]);
    expect(m.push("axb")).toEqual({ emit: "a", stopped: true, stop: "x" });
    expect(m.push("more")).toEqual({ emit: "", stopped: true });
    expect(m.flush()).toBe("");
  });

  test("no stops (or only empty ones): passthrough with zero holdback", () => {
    for (const stops of [[], [""]]) {
      const m = new StopMatcher(stops);
      expect(m.push("<|e")).toEqual({ emit: "<|e", stopped: false });
      expect(m.push("")).toEqual({ emit: "", stopped: false });
      expect(m.flush()).toBe("");
    }
  });
});
