import { describe, expect, test } from "bun:test";
import { matchAt, partialSuffix, scan } from "../../../chat/parsers/markers.ts";

describe("marker matching over a cut stream", () => {
  test("partialSuffix: the longest tail that may still become a marker", () => {
    expect(partialSuffix("hello <tool_c", ["<tool_call>"])).toBe(7);
    expect(partialSuffix("hello <", ["<tool_call>", "</tool_call>"])).toBe(1);
    expect(partialSuffix("a </", ["<tool_call>", "</tool_call>"])).toBe(2);
    expect(partialSuffix("<tool_call>", ["<tool_call>"])).toBe(0); // complete: not partial
    expect(partialSuffix("hello", ["<tool_call>"])).toBe(0);
  });

  test("scan: earliest hit, text before it is free", () => {
    expect(scan("ab<x>cd<y>", ["<y>", "<x>"])).toEqual({ hit: true, index: 2, marker: "<x>" });
    expect(scan("abc <x", ["<x>"])).toEqual({ hit: false, safe: 4 });
  });

  test("scan: a hit waits while an earlier marker may still be completing", () => {
    // "y" is complete at 1, but "xyz" starting at 0 could still arrive.
    expect(scan("xy", ["xyz", "y"])).toEqual({ hit: false, safe: 0 });
    expect(scan("xyz", ["xyz", "y"])).toEqual({ hit: true, index: 0, marker: "xyz" });
    expect(scan("xy", ["xyz", "y"], 0, true)).toEqual({ hit: true, index: 1, marker: "y" });
  });

  test("scan: a hit that may grow into a longer marker waits", () => {
    expect(scan("a[T", ["[T", "[TOOL]"])).toEqual({ hit: false, safe: 1 });
    expect(scan("a[TOOL]", ["[T", "[TOOL]"])).toEqual({ hit: true, index: 1, marker: "[TOOL]" });
    expect(scan("a[Tx", ["[T", "[TOOL]"])).toEqual({ hit: true, index: 1, marker: "[T" });
  });

  test("matchAt", () => {
    expect(matchAt("ab</to", 2, "</tool_call>")).toBe("partial");
    expect(matchAt("ab</tool_call>", 2, "</tool_call>")).toBe("yes");
    expect(matchAt("ab</x", 2, "</tool_call>")).toBe("no");
  });
});
