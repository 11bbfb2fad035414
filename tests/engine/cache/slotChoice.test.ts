// Which free sequence a prompt goes to, and which saved states the host-memory list keeps.
import { describe, expect, test } from "bun:test";
import { EntryList } from "../../../engine/cache/entries.ts";
import { chooseSlot, contiguousSlot, type SlotMemory } from "../../../engine/cache/slotChoice.ts";

const tokens = (...values: number[]) => Int32Array.from(values);
const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);

describe("chooseSlot", () => {
  const memory: SlotMemory[] = [
    { tokens: range(0, 50), lastUsed: 10 },
    { tokens: range(0, 80), lastUsed: 20, key: "conversation-b" },
    { tokens: new Int32Array(0), lastUsed: -Infinity },
  ];

  test("the sequence sharing the longest prefix wins", () => {
    expect(chooseSlot([0, 1, 2], memory, range(0, 100), { reuse: true })).toBe(1);
    expect(chooseSlot([0, 2], memory, range(0, 100), { reuse: true })).toBe(0);
  });

  test("a prefix below a tenth of the prompt (a template's opening) does not count: the least recently used goes", () => {
    const prompt = Int32Array.from({ length: 1000 }, (_, i) => (i < 5 ? i : 5000 + i));
    expect(chooseSlot([0, 1, 2], memory, prompt, { reuse: true })).toBe(2);
    // With slot 2 busy, the one beside it goes before the least recently used.
    expect(chooseSlot([0, 1], memory, prompt, { reuse: true })).toBe(1);
  });

  test("with nothing similar, the sequence that served the same cache key is preferred", () => {
    expect(chooseSlot([0, 1, 2], memory, tokens(9, 9, 9), { reuse: true, key: "conversation-b" })).toBe(1);
  });

  test("without reuse, the slot beside the busy ones; the least recently used among equals", () => {
    expect(chooseSlot([0, 1], memory, range(0, 100), { reuse: false })).toBe(1);
    expect(chooseSlot([0, 1, 2], memory, range(0, 100), { reuse: false })).toBe(2);
  });
});

describe("contiguousSlot", () => {
  // Eight slots; the least recently used first in this list: 7, 0, 5, 2, ...
  const lastUsed = [2, 9, 4, 8, 7, 3, 6, 1];
  const memory: SlotMemory[] = lastUsed.map((t) => ({ tokens: new Int32Array(0), lastUsed: t }));
  const busyAll = (busy: number[]) => contiguousSlot([0, 1, 2, 3, 4, 5, 6, 7].filter((s) => !busy.includes(s)), memory);

  test("a slot between two busy runs joins them; beside one extends it; else the least recently used", () => {
    expect(busyAll([1, 3])).toBe(2);
    expect(busyAll([0, 1, 2])).toBe(3);
    expect(busyAll([4])).toBe(5); // 3 and 5 both extend it: 5 was used longer ago
    expect(busyAll([])).toBe(7);
  });

  test("admitting one request after another keeps the busy slots in one run", () => {
    const busy: number[] = [];
    for (let i = 0; i < 8; i++) busy.push(busyAll(busy));
    // After every admission the busy slots are consecutive ids.
    for (let n = 1; n <= busy.length; n++) {
      const ids = busy.slice(0, n).sort((a, b) => a - b);
      expect(ids.at(-1)! - ids[0]!).toBe(n - 1);
    }
  });
});

describe("EntryList", () => {
  const entry = (t: Int32Array, bytes: number, lastUsed: number) => ({ tokens: t, bytes, lastUsed });

  test("finds the entry sharing the longest prefix with a prompt", () => {
    const list = new EntryList(1000);
    list.add(entry(tokens(1, 2, 3), 10, 1));
    list.add(entry(tokens(1, 5, 6, 7), 10, 2));
    expect(list.find(tokens(1, 5, 6, 9))!.shared).toBe(3);
    expect(list.find(tokens(8))).toBeUndefined();
  });

  test("an entry that extends another replaces it; one already covered is not added", () => {
    const list = new EntryList(1000);
    list.add(entry(tokens(1, 2), 10, 1));
    expect(list.add(entry(tokens(1, 2, 3, 4), 10, 2))).toBe(true);
    expect(list.size).toBe(1);
    expect(list.add(entry(tokens(1, 2, 3), 10, 3))).toBe(false);
    expect(list.bytes).toBe(10);
  });

  test("the least recently used entries go when the budget is exceeded; an entry above the budget is refused", () => {
    const evicted: number[] = [];
    const list = new EntryList<{ tokens: Int32Array; bytes: number; lastUsed: number }>(25, (e) => evicted.push(e.tokens[0]!));
    list.add(entry(tokens(1), 10, 1));
    list.add(entry(tokens(2), 10, 2));
    list.find(tokens(1)); // touches entry 1
    list.add(entry(tokens(3), 10, 3));
    expect(evicted).toEqual([2]);
    expect(list.add(entry(tokens(4), 26, 4))).toBe(false);
  });
});
