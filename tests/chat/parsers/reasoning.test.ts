import { describe, expect, test } from "bun:test";
import { promptOpensReasoning, type ParserOptions } from "../../../chat/parsers/index.ts";
import { expectParse } from "./harness.ts";

const none: ParserOptions = { family: "none", reasoning: "auto" };

describe("reasoning extraction", () => {
  test("family none: <think> blocks are still reasoning, content passes through untouched", () => {
    expectParse(none, "<think>\n  a\n\n b  \n</think>\n\n  Hello  \n", { reasoning: "a\n\n b", content: "Hello  \n" });
    expectParse(none, "  plain text with <tool_call> and [TOOL_CALLS] ", { content: "  plain text with <tool_call> and [TOOL_CALLS] " });
  });

  test("'<think>' mode ignores [THINK]; 'auto' for mistral takes both", () => {
    expectParse({ family: "mistral", reasoning: "<think>" }, "[THINK]x[/THINK]y", { content: "[THINK]x[/THINK]y" });
    expectParse({ family: "mistral", reasoning: "auto" }, "<think>x</think>y", { reasoning: "x", content: "y" });
  });

  test("an open tag that never completes is content", () => {
    expectParse(none, "<thin", { content: "<thin" });
    expectParse(none, "<thinking>deep</thinking>", { content: "<thinking>deep</thinking>" });
  });

  test("forced open, nothing generated but whitespace", () => {
    expectParse({ ...none, thinkingForcedOpen: true }, "\n\n", {});
  });

  test("promptOpensReasoning", () => {
    expect(promptOpensReasoning("<｜Assistant｜><think>\n")).toBe(true);
    expect(promptOpensReasoning("<|im_start|>assistant\n<think>\n\n</think>\n\n")).toBe(false);
    expect(promptOpensReasoning("<|im_start|>assistant\n")).toBe(false);
  });
});
