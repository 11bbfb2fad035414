// `--flag value` pairs of a stand-alone bench script that runs the engine in-process on a model.
import { availableParallelism } from "node:os";

/** The flags, the model path and the thread count; prints `usage` and exits when --model is missing. */
export function scriptArgs(usage: string): { args: Map<string, string>; modelPath: string; threads: number } {
  const args = new Map<string, string>();
  for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!, process.argv[i + 1] ?? "");
  const modelPath = args.get("--model");
  if (!modelPath) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return { args, modelPath, threads: Number(args.get("--threads") ?? availableParallelism()) };
}
