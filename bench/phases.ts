// One phase on one server: start it with the phase's flags, measure, stop it.
//   main          --parallel sequences, no prompt cache: 1 stream, --parallel streams (each
//                 sampling mode), short-prompt TTFT
//   16            --many-streams sequences, no prompt cache: that many streams (each mode)
//   conversation  prompt cache on: a growing conversation's time to first token per turn
//   restart       ours only, with --cache-dir: turn 2 after a restart (restart.ts)
import { conversations } from "./conversation.ts";
import type { Measurements } from "./measurements.ts";
import { concurrentStreams, Session, shortTtft, singleStream, warmUp } from "./measure.ts";
import type { Options, Phase } from "./options.ts";
import { restartPhase } from "./restart.ts";
import { currentServer, launch, stopServer, type Server, type ServerName, type ServerSetup } from "./servers.ts";
import type { Sampling } from "./stream.ts";

/** The servers a phase runs on, in this round's order (A B, then B A: cancels a steady drift). */
export function phaseServers(phase: Phase, names: ServerName[], round: number): ServerName[] {
  if (phase === "restart") return names.filter((n) => n === "ours");
  return round % 2 === 0 ? names : [...names].reverse();
}

export async function runPhase(phase: Phase, name: ServerName, options: Options, logDir: string, round: number, m: Measurements): Promise<void> {
  const label = `${name}-${phase}-r${round + 1}`;
  // The same conversation numbers on both servers in a round, new ones every round.
  const conversationNo = round * 100;
  if (phase === "restart") return restartPhase(options, logDir, label, m, conversationNo);
  const setups: Record<Exclude<Phase, "restart">, ServerSetup> = {
    main: { parallel: options.parallel, ctxSize: options.ctxSize, promptCache: false },
    "16": { parallel: options.manyStreams, ctxSize: options.manyCtxSize, promptCache: false },
    conversation: { parallel: options.parallel, ctxSize: options.convCtxSize, promptCache: true },
  };
  let server: Server | undefined;
  try {
    server = await launch(name, options, setups[phase], logDir, label);
    const s = new Session(server, m, options.maxTokens);
    // Modes alternate in order from one run to the next, so neither always runs first.
    const modes = (i: number): Sampling[] => ((round + i) % 2 === 0 ? options.modes : [...options.modes].reverse());
    if (phase === "main") {
      await warmUp(s, options.modes);
      for (let i = 0; i < options.runs; i++) {
        for (const mode of modes(i)) await singleStream(s, mode, `single ${mode} #${i + 1}`);
      }
      for (let i = 0; i < options.concurrentRuns; i++) {
        for (const mode of modes(i)) await concurrentStreams(s, mode, options.parallel, `${options.parallel}x ${mode} #${i + 1}`);
      }
      await shortTtft(s, options.ttftRuns);
    } else if (phase === "16") {
      await warmUp(s, options.modes.slice(0, 1));
      for (let i = 0; i < options.manyRuns; i++) {
        for (const mode of modes(i)) await concurrentStreams(s, mode, options.manyStreams, `${options.manyStreams}x ${mode} #${i + 1}`);
      }
    } else {
      // A short request first (pages the weights in; shares no prefix with the conversation).
      await s.short(4);
      await conversations(server, options, m, conversationNo, 1);
    }
  } finally {
    await stopServer(server ?? currentServer());
  }
}
