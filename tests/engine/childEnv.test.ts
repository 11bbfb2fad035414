// A model's child processes run without Bun's GC timer: an idle child does not collect every
// second (each collection stalled the runner's decode loop for 1.4-2.7 ms).
import { expect, test } from "bun:test";
import { childEnv } from "../../engine/childEnv.ts";

// Allocates once, then idles: any collection after that comes from a timer, not from allocation.
const IDLE_CHILD = `globalThis.kept = Array.from({ length: 20000 }, (_, i) => ({ i })); setTimeout(() => {}, 2600);`;

/** Collections JSC logs in a child that idles 2.6 s with this environment. */
async function collections(env: Record<string, string | undefined>): Promise<number> {
  const child = Bun.spawn([process.execPath, "-e", IDLE_CHILD], { env: { ...env, BUN_JSC_logGC: "2" }, stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  await child.exited;
  return (out + err).split("\n").filter((line) => line.includes(": START ")).length;
}

test("the children's environment turns Bun's GC timer off", async () => {
  const env = childEnv("/tmp/socket", false, { BUNLLAMA_ROLE: "tokenizer" });
  expect(env.BUNLLAMA_CHANNEL).toBe("/tmp/socket");
  expect(env.BUNLLAMA_ROLE).toBe("tokenizer");
  expect(env.GGML_NO_BACKTRACE).toBe("1");
  const { BUN_GC_TIMER_DISABLE: _off, ...withTimer } = env;
  const [children, timed] = await Promise.all([collections(env), collections(withTimer)]);
  // With the timer, one collection a second while idle; without, none after start-up.
  expect(timed).toBeGreaterThanOrEqual(children + 2);
  expect(children).toBeLessThanOrEqual(1);
});
