import { describe, expect, test } from "bun:test";
import type { ParserOptions } from "../../../chat/parsers/index.ts";
import { eventsAfter, expectParse, parse } from "./harness.ts";

const opts: ParserOptions = { family: "mistral", reasoning: "auto" };
const MARKUP = ["[TOOL_CALLS]", "[ARGS]", "[CALL_ID]", "[THINK]", "[/THINK]"];

describe("mistral parser", () => {
  test("Nemo: a JSON array of calls", () => {
    expectParse(
      opts,
      '[TOOL_CALLS][{"name": "get_weather", "arguments": {"location": "Paris"}, "id": "abc123def"}, {"name": "get_time", "arguments": {"tz": "CET"}, "id": "xyz987uvw"}]',
      {
        calls: [
          { name: "get_weather", arguments: { location: "Paris" } },
          { name: "get_time", arguments: { tz: "CET" } },
        ],
      },
      MARKUP,
    );
  });

  test("Devstral / Ministral: NAME[ARGS]{...} per call, content before", () => {
    expectParse(
      opts,
      'Let me look both up.[TOOL_CALLS]get_weather[ARGS]{"location": "Paris"}[TOOL_CALLS]get_time[ARGS]{"tz": "CET"}',
      {
        content: "Let me look both up.",
        calls: [
          { name: "get_weather", arguments: { location: "Paris" } },
          { name: "get_time", arguments: { tz: "CET" } },
        ],
      },
      MARKUP,
    );
  });

  test("Small 3.2: [CALL_ID] between name and arguments", () => {
    expectParse(opts, '[TOOL_CALLS]get_weather[CALL_ID]a1b2c3d4e[ARGS]{"location": "Paris", "days": 2}', {
      calls: [{ name: "get_weather", arguments: { location: "Paris", days: 2 } }],
    }, MARKUP);
  });

  test("ids are exactly 9 alphanumerics (Mistral templates reject others)", () => {
    const out = parse(opts, '[TOOL_CALLS]f[ARGS]{}[TOOL_CALLS]g[ARGS]{}');
    expect(out.calls.map((c) => c.id)).toEqual([expect.stringMatching(/^[A-Za-z0-9]{9}$/), expect.stringMatching(/^[A-Za-z0-9]{9}$/)]);
  });

  test("Magistral / Ministral reasoning in [THINK]", () => {
    expectParse(opts, "[THINK]The user wants 2+2.[/THINK]2 + 2 = 4.", { reasoning: "The user wants 2+2.", content: "2 + 2 = 4." }, MARKUP);
    expectParse(opts, '[THINK]Need weather.[/THINK][TOOL_CALLS]get_weather[ARGS]{"location": "Lyon"}', {
      reasoning: "Need weather.",
      calls: [{ name: "get_weather", arguments: { location: "Lyon" } }],
    }, MARKUP);
  });

  test("lookalikes are content", () => {
    const text = "Options: [TOOLS] or [TOOL_CALL] or [THINKING] [T";
    expectParse(opts, text, { content: text });
  });

  test("malformed calls are content", () => {
    expectParse(opts, "[TOOL_CALLS] this is not a call", { content: "[TOOL_CALLS] this is not a call" });
    expectParse(opts, "[TOOL_CALLS]", { content: "[TOOL_CALLS]" });
  });

  test("arguments broken mid-way are closed at the last valid point", () => {
    expectParse(opts, '[TOOL_CALLS]f[ARGS]{"a": 1, "b": [2, x]}', { calls: [{ name: "f", arguments: { a: 1, b: [2] } }] });
  });

  test("cut off at the end", () => {
    expectParse(opts, '[TOOL_CALLS]f[ARGS]{"a": "long te', { calls: [{ name: "f", arguments: { a: "long te" } }] });
    expectParse(opts, "[TOOL_CALLS]get_wea", { content: "[TOOL_CALLS]get_wea" });
  });

  test("arguments stream", () => {
    const events = eventsAfter(opts, '[TOOL_CALLS]get_weather[ARGS]{"location": "Pa');
    const args = events.flatMap((e) => (e.type === "tool_call_delta" ? [e.argumentsDelta] : [])).join("");
    expect(args).toBe('{"location": "Pa');
  });
});
