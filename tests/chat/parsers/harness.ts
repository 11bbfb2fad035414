// Runs a parser over a sample under every chunking and checks the event stream's shape.
import { expect } from "bun:test";
import { createOutputParser, type ParserEvent, type ParserOptions } from "../../../chat/parsers/index.ts";

export interface Call {
  id: string;
  name: string;
  args: string;
}

export interface Outcome {
  content: string;
  reasoning: string;
  calls: Call[];
}

export interface Expected {
  content?: string;
  reasoning?: string;
  calls?: { name: string; arguments: unknown }[];
}

/** Folds events into an outcome, asserting the stream's invariants on the way. */
export function collect(events: ParserEvent[]): Outcome {
  const out: Outcome = { content: "", reasoning: "", calls: [] };
  let open = -1;
  for (const e of events) {
    switch (e.type) {
      case "text":
      case "reasoning":
        if (!e.text) throw new Error(`empty ${e.type} event`);
        if (open >= 0) throw new Error(`${e.type} inside tool call ${open}`);
        if (e.type === "text") out.content += e.text;
        else out.reasoning += e.text;
        break;
      case "tool_call_start":
        if (open >= 0) throw new Error(`call ${e.index} started inside call ${open}`);
        if (e.index !== out.calls.length) throw new Error(`call index ${e.index}, expected ${out.calls.length}`);
        out.calls.push({ id: e.id, name: e.name, args: "" });
        open = e.index;
        break;
      case "tool_call_delta":
        if (e.index !== open) throw new Error(`delta for ${e.index} while ${open} is open`);
        out.calls[open]!.args += e.argumentsDelta;
        break;
      case "tool_call_end":
        if (e.index !== open) throw new Error(`end of ${e.index} while ${open} is open`);
        open = -1;
        break;
    }
  }
  if (open >= 0) throw new Error(`call ${open} never ended`);
  return out;
}

export function run(opts: ParserOptions, chunks: string[]): { events: ParserEvent[]; perPush: ParserEvent[][] } {
  const parser = createOutputParser(opts);
  const perPush = chunks.map((c) => parser.push(c));
  perPush.push(parser.finish());
  return { events: perPush.flat(), perPush };
}

export function parse(opts: ParserOptions, text: string): Outcome {
  return collect(run(opts, [text]).events);
}

/** Whole; two chunks split at every boundary; one character at a time; a few random
 *  many-chunk splits (code points: the server's chunks never split a character). */
export function* chunkings(text: string): Generator<{ label: string; chunks: string[] }> {
  const chars = Array.from(text);
  yield { label: "whole", chunks: [text] };
  let offset = 0;
  for (let i = 1; i < chars.length; i++) {
    offset += chars[i - 1]!.length;
    yield { label: `split@${i}`, chunks: [text.slice(0, offset), text.slice(offset)] };
  }
  yield { label: "per-char", chunks: chars };
  let seed = text.length;
  for (let n = 0; n < 10; n++) {
    const chunks: string[] = [];
    for (let i = 0; i < chars.length; ) {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      const len = 1 + (seed % 6);
      chunks.push(chars.slice(i, i + len).join(""));
      i += len;
    }
    yield { label: `random#${n}: ${JSON.stringify(chunks)}`, chunks };
  }
}

export function idPattern(opts: ParserOptions): RegExp {
  return opts.family === "mistral" ? /^[A-Za-z0-9]{9}$/ : new RegExp(`^${opts.idPrefix ?? "call_"}[A-Za-z0-9]{24}$`);
}

/**
 * The sample gives the same content, reasoning and calls under every chunking; call ids have
 * the family's format; `forbidden` strings never appear in content.
 */
export function expectParse(opts: ParserOptions, text: string, expected: Expected, forbidden: string[] = []): void {
  const want = {
    content: expected.content ?? "",
    reasoning: expected.reasoning ?? "",
    calls: expected.calls ?? [],
  };
  for (const { label, chunks } of chunkings(text)) {
    const got = collect(run(opts, chunks).events);
    const calls = got.calls.map((c) => {
      let args: unknown;
      try {
        args = JSON.parse(c.args);
      } catch {
        args = `invalid JSON: ${c.args}`;
      }
      return { name: c.name, arguments: args };
    });
    expect({ label, content: got.content, reasoning: got.reasoning, calls }).toEqual({ label, ...want });
    for (const c of got.calls) expect({ label, id: c.id }).toEqual({ label, id: expect.stringMatching(idPattern(opts)) });
    expect(new Set(got.calls.map((c) => c.id)).size).toBe(got.calls.length);
    for (const f of forbidden) expect({ label, leaked: got.content.includes(f) }).toEqual({ label, leaked: false });
  }
}

/** Events seen after pushing `prefix` only: arguments must stream before the call ends. */
export function eventsAfter(opts: ParserOptions, prefix: string): ParserEvent[] {
  const parser = createOutputParser(opts);
  return Array.from(prefix).flatMap((c) => parser.push(c));
}

export const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: {
      type: "object",
      properties: {
        location: { type: "string" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
        days: { type: "integer" },
        detailed: { type: "boolean" },
        coords: { type: "object" },
        tags: { type: "array", items: { type: "string" } },
        note: { type: ["string", "null"] },
      },
      required: ["location"],
    },
  },
};

export const timeTool = {
  name: "get_time",
  parameters: { type: "object", properties: { tz: { type: "string" } } },
};
