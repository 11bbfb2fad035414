// What a child process (runner, tokenizer) said before it died, for the one log line of a crash.

/** The native error behind a crash in the end of a child's stderr, e.g. llama.cpp's "what(): unordered_map::at". */
export function crashReason(stderrTail: string): string {
  const lines = stderrTail.split("\n").map((l) => l.trim());
  const reason = lines.filter((l) => /what\(\)|GGML_ASSERT|terminate called|error/i.test(l) && !l.includes("bun.report"));
  return reason.slice(0, 3).join(" | ");
}
