// A config entry's `source`, downloaded on its first use: the registry's download hook, with the
// same progress lines as `pull` in the server's log.
import type { ModelSpec } from "../engine/modelSpec.ts";
import { pullModel } from "./index.ts";
import { progressLines } from "./progress.ts";

export interface SourceDownloadOptions {
  /** The model cache (default: BUNLLAMA_MODELS_DIR or ~/.cache/bunllama/models). */
  cacheDir?: string;
  /** The hub (default: HF_ENDPOINT or https://huggingface.co). */
  hubEndpoint?: string;
}

export function sourceDownloader(options: SourceDownloadOptions = {}) {
  return async (spec: ModelSpec, log: (line: string) => void): Promise<string> => {
    log(`model ${spec.id}: fetching ${spec.source}`);
    const pulled = await pullModel(spec.source!, {
      cacheDir: options.cacheDir,
      hubEndpoint: options.hubEndpoint,
      onProgress: progressLines({ write: (line: string) => log(line.trimEnd()) }),
    });
    return pulled.path;
  };
}
