// `pull <ref>`: download a model into the cache; the path on stdout, progress on stderr.
import { defaultCacheDir, DownloadError, pullModel, terminalProgress } from "../download/index.ts";

export const PULL_HELP = `usage: bunllama pull <ref> [--models-dir DIR]

Downloads a GGUF model into the model cache (or finds it there) and prints its path.

<ref> is one of:
  org/repo:QUANT          the repo's GGUF of that quant, e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M
  org/repo                its Q4_K_M (else Q8_0, else its only GGUF)
  org/repo/path/file.gguf one file of the repo
  https://host/file.gguf  any URL of a GGUF file
  A hub reference may name a revision: org/repo@REV:QUANT. Split models fetch every part and
  print the first one's path.

options:
  --models-dir DIR   cache folder (also --models-cache, the server's name for it) (env BUNLLAMA_MODELS_DIR; default ${defaultCacheDir({ ...process.env, BUNLLAMA_MODELS_DIR: undefined })})
  -h, --help         show this help

environment:
  HF_ENDPOINT   hub address (default https://huggingface.co)
  HF_TOKEN      token for private or gated repos, sent to the hub only
`;

class UsageError extends Error {}

function parseArgs(argv: string[]): { ref?: string; modelsDir?: string; help: boolean } {
  let ref: string | undefined;
  let modelsDir: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") help = true;
    // --models-cache is the server's name for the same folder (its --models-dir serves a folder).
    else if (arg === "--models-dir" || arg === "--models-cache") {
      modelsDir = argv[++i];
      if (modelsDir === undefined || modelsDir === "") throw new UsageError(`${arg} needs a folder`);
    } else if (arg.startsWith("--models-dir=")) modelsDir = arg.slice("--models-dir=".length);
    else if (arg.startsWith("--models-cache=")) modelsDir = arg.slice("--models-cache=".length);
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (ref !== undefined) throw new UsageError(`one reference at a time (got '${ref}' and '${arg}')`);
    else ref = arg;
  }
  return { ref, modelsDir, help };
}

/** Runs the subcommand; sets process.exitCode: 0, 1 (the pull failed), 2 (usage), 130 (interrupted). */
export async function runPull(argv: string[]): Promise<void> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
    if (!args.help && args.ref === undefined) throw new UsageError("missing <ref>");
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n\n${PULL_HELP}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    process.stdout.write(PULL_HELP);
    return;
  }

  // Ctrl-C ends the transfer cleanly: the lock goes, the .part stays for the next pull to resume.
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const { path } = await pullModel(args.ref!, {
      cacheDir: args.modelsDir,
      onProgress: terminalProgress(process.stderr),
      onWait: ({ file, pid }) => process.stderr.write(`pull ${file}: waiting for process ${pid}, which is downloading it\n`),
      signal: abort.signal,
    });
    process.stdout.write(`${path}\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = error instanceof DownloadError && error.kind === "cancelled" ? 130 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
