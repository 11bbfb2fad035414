// One phase of a round: start the servers with the phase's flags, measure, stop them.
//   main          --parallel sequences, no prompt cache: 1 stream, --parallel streams (each
//                 sampling mode), short-prompt TTFT
//   16            --many-streams sequences, no prompt cache: that many streams (each mode)
//   conversation  prompt cache on: a growing conversation's time to first token per turn
//   restart       ours only, with --cache-dir: turn 2 after a restart (restart.ts)
//
// Both servers run side by side through a phase, but only one is ever measured at a time: each
// measurement is taken on one, then at once on the other (which goes first alternates). This
// machine's speed drifts by a quarter within minutes; measured seconds apart, both servers see
// the same drift, so their ratio keeps. The idle server's CPU counts as other load (load.ts),
// so a measurement it disturbed is taken again.
import { conversationInLockstep } from "./conversation.ts";
import type { Measurements } from "./measurements.ts";
import { concurrentStreams, Session, shortTtft, singleStream, warmUp } from "./measure.ts";
import type { Options, Phase } from "./options.ts";
import { restartPhase } from "./restart.ts";
import { launch, stopServer, type Server, type ServerName, type ServerSetup } from "./servers.ts";
import type { Sampling } from "./stream.ts";

export async function runPhase(
  phase: Phase,
  names: ServerName[],
  options: Options,
  logDir: string,
  round: number,
  results: Partial<Record<ServerName, Measurements>>,
): Promise<void> {
  // The same conversation numbers on both servers in a round, new ones every round.
  const conversationNo = round * 100;
  if (phase === "restart") {
    if (names.includes("ours")) await restartPhase(options, logDir, `ours-restart-r${round + 1}`, results.ours!, conversationNo);
    return;
  }
  const setups: Record<Exclude<Phase, "restart">, ServerSetup> = {
    main: { parallel: options.parallel, ctxSize: options.ctxSize, promptCache: false },
    "16": { parallel: options.manyStreams, ctxSize: options.manyCtxSize, promptCache: false },
    conversation: { parallel: options.parallel, ctxSize: options.convCtxSize, promptCache: true },
  };
  const servers: Server[] = [];
  try {
    for (const name of alternate(names, round)) {
      servers.push(await launch(name, options, setups[phase], logDir, `${name}-${phase}-r${round + 1}`));
    }
    const sessions = servers.map((server) => new Session(server, results[server.name as ServerName]!, options.maxTokens));
    // Measurement k on every server, one after the other; the first alternates with k.
    let k = round;
    const onEach = async (measure: (s: Session) => Promise<void>) => {
      for (const s of alternate(sessions, k)) await measure(s);
      k++;
    };
    // Modes alternate in order from one run to the next, so neither always runs first.
    const modes = (i: number): Sampling[] => alternate(options.modes, round + i);
    if (phase === "main") {
      for (const s of sessions) await warmUp(s, options.modes);
      for (let i = 0; i < options.runs; i++) {
        for (const mode of modes(i)) await onEach((s) => singleStream(s, mode, options.singleTokens, `${s.server.name} single ${mode} #${i + 1}`));
      }
      for (let i = 0; i < options.concurrentRuns; i++) {
        for (const mode of modes(i)) {
          await onEach((s) => concurrentStreams(s, mode, options.parallel, `${s.server.name} ${options.parallel}x ${mode} #${i + 1}`));
        }
      }
      // One request at a time on each server in turn: a drift between two blocks of requests
      // went straight into the ratio.
      for (let i = 0; i < options.ttftRuns; i++) await onEach((s) => shortTtft(s));
    } else if (phase === "16") {
      for (const s of sessions) await warmUp(s, options.modes.slice(0, 1));
      for (let i = 0; i < options.manyRuns; i++) {
        for (const mode of modes(i)) {
          await onEach((s) => concurrentStreams(s, mode, options.manyStreams, `${s.server.name} ${options.manyStreams}x ${mode} #${i + 1}`));
        }
      }
    } else {
      // Every turn follows a short request (conversation.ts), the first of which pages the
      // weights in. A retry moves on to the next conversation numbers.
      for (let i = 0; i < options.convRuns; i++) await conversationInLockstep(alternate(sessions, round + i), options, conversationNo + 10 * i);
    }
  } finally {
    for (const server of servers) await stopServer(server);
  }
}

/** `items` in order for even `i`, reversed for odd: A B, then B A, cancels a steady drift. */
function alternate<T>(items: T[], i: number): T[] {
  return i % 2 === 0 ? items : [...items].reverse();
}
