// Ours only: does the prompt cache survive a restart with --cache-dir? Turn 1 of a conversation
// on a server with a fresh cache folder, the server stopped, started again on the same folder,
// then turn 2: its time to first token, against the warm turns of the conversation phase.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { conversationTurn, describeTurn } from "./conversation.ts";
import { sample } from "./load.ts";
import type { Measurements } from "./measurements.ts";
import { checkAnswer, Session } from "./measure.ts";
import type { Options } from "./options.ts";
import { launch, stopServer, type Server, type ServerSetup } from "./servers.ts";

export async function restartPhase(options: Options, logDir: string, label: string, m: Measurements, conversation: number): Promise<void> {
  let attempt = 0;
  let cacheDir: string | undefined;
  let server: Server | undefined;
  let firstAnswer = "";
  const cleanUp = async () => {
    await stopServer(server);
    server = undefined;
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    cacheDir = undefined;
  };
  // Before every attempt (a retry starts from an empty folder too): turn 1, then the restart.
  // Only turn 2 is measured, so the load of starting and stopping servers is not counted.
  const prepare = async () => {
    await cleanUp();
    cacheDir = mkdtempSync(join(tmpdir(), "bunllama-bench-cache-"));
    const setup: ServerSetup = { parallel: options.parallel, ctxSize: options.convCtxSize, promptCache: true, cacheDir };
    const tag = `${label}${attempt++ ? `-retry${attempt - 1}` : ""}`;
    server = await launch("ours", options, setup, logDir, `${tag}-before`);
    const first = await conversationTurn(server, conversation, [], options.convMaxTokens);
    checkAnswer(server, m, first, options.convMaxTokens, "restart turn 1");
    console.error(`    turn 1: ${describeTurn(first)}`);
    firstAnswer = first.text;
    await stopServer(server);
    server = await launch("ours", options, setup, logDir, `${tag}-after`);
    // As every TTFT here: measured right after an unmeasured short request on the same server
    // (it shares no prefix with the conversation, so turn 2 still has to come from the disk).
    await new Session(server, m, options.convMaxTokens).short(2);
  };
  try {
    await sample(
      process.pid,
      m,
      async () => {
        const second = await conversationTurn(server!, conversation, [firstAnswer], options.convMaxTokens);
        checkAnswer(server!, m, second, options.convMaxTokens, "restart turn 2");
        return second;
      },
      (r, load) => {
        m.restarts.push({ ttftMs: r.ttftMs, promptTokens: r.promptTokens, cachedTokens: r.cachedTokens });
        console.error(`  turn 2 after the restart: ${describeTurn(r)} (${load})`);
      },
      prepare,
    );
  } finally {
    await cleanUp();
  }
}
