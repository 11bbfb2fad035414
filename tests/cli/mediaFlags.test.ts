// --mmproj beside --model, and the remote-media switches.
import { describe, expect, test } from "bun:test";
import { modelDefaultsFromFlags, singleModelConfig } from "../../cli/config.ts";
import { parseFlags } from "../../cli/flags.ts";

describe("media flags", () => {
  test("--mmproj (and -mm, LLAMA_ARG_MMPROJ) reach the single model's spec", () => {
    const flags = parseFlags(["-m", "m.gguf", "--mmproj", "p.gguf"], {});
    expect(flags.mmproj).toBe("p.gguf");
    expect(parseFlags(["-mm", "q.gguf"], {}).mmproj).toBe("q.gguf");
    expect(parseFlags([], { LLAMA_ARG_MMPROJ: "e.gguf" }).mmproj).toBe("e.gguf");
    const config = singleModelConfig("m.gguf", undefined, modelDefaultsFromFlags(flags), flags.mmproj);
    expect(config.models[0]!.mmproj).toBe("p.gguf");
    expect(singleModelConfig("m.gguf", undefined, modelDefaultsFromFlags(flags)).models[0]!.mmproj).toBeUndefined();
  });

  test("remote media: fetched, private addresses refused, unless the flags say otherwise", () => {
    expect(parseFlags([], {})).toMatchObject({ allowPrivateUrls: false, noRemoteMedia: false });
    expect(parseFlags(["--allow-private-urls", "--no-remote-media"], {})).toMatchObject({ allowPrivateUrls: true, noRemoteMedia: true });
    expect(parseFlags([], { BUNLLAMA_ALLOW_PRIVATE_URLS: "1" }).allowPrivateUrls).toBe(true);
  });
});
