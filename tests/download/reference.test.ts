// Reading references, choosing a repo's file, split part names, cache paths: no network.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { defaultCacheDir, hubFilePath, urlFilePath } from "../../download/cache.ts";
import { DownloadError } from "../../download/errors.ts";
import type { RepoFile } from "../../download/hub.ts";
import { formatReference, parseReference, resolveUrl } from "../../download/reference.ts";
import { selectModelFiles } from "../../download/select.ts";
import { parseSplitName, splitPartNames } from "../../download/split.ts";

describe("parseReference", () => {
  test("org/repo:QUANT, org/repo, and a revision", () => {
    expect(parseReference("Qwen/Qwen2.5-0.5B-Instruct-GGUF:q4_k_m")).toEqual({
      kind: "hub-repo",
      repo: "Qwen/Qwen2.5-0.5B-Instruct-GGUF",
      revision: "main",
      quant: "Q4_K_M",
    });
    expect(parseReference("unsloth/Qwen3-8B-GGUF")).toMatchObject({ kind: "hub-repo", quant: undefined });
    expect(parseReference("unsloth/Qwen3-8B-GGUF:UD-Q4_K_XL")).toMatchObject({ quant: "UD-Q4_K_XL" });
    expect(parseReference("org/repo@v1.0:Q8_0")).toMatchObject({ repo: "org/repo", revision: "v1.0", quant: "Q8_0" });
    expect(parseReference("hf.co/org/repo:Q8_0")).toMatchObject({ repo: "org/repo", quant: "Q8_0" });
  });

  test("org/repo/path/file.gguf, folders and revision included", () => {
    expect(parseReference("org/repo/Q4_K_M/model-Q4_K_M-00001-of-00002.gguf")).toEqual({
      kind: "hub-file",
      repo: "org/repo",
      revision: "main",
      file: "Q4_K_M/model-Q4_K_M-00001-of-00002.gguf",
    });
    expect(parseReference("org/repo@abc123/m.gguf")).toMatchObject({ revision: "abc123", file: "m.gguf" });
  });

  test("URLs, with the hub's page URL turned into its download URL", () => {
    const ref = parseReference("https://example.com/models/x.gguf?download=1");
    expect(ref.kind).toBe("url");
    const page = parseReference("https://huggingface.co/org/repo/blob/main/m.gguf");
    expect(page.kind === "url" && page.url.href).toBe("https://huggingface.co/org/repo/resolve/main/m.gguf");
  });

  test("bad references are refused with the reason", () => {
    const cases: Array<[string, string]> = [
      ["", "empty"],
      ["model.gguf", "expected org/repo"],
      ["org/repo/README.md", "is not a .gguf file"],
      ["org/repo:Q4_K_M/m.gguf", "cannot be combined"],
      ["org/../m.gguf", "bad repo name"],
      ["org/repo/../m.gguf", "bad file path"],
      ["org/repo@a/b:Q4", "is not a .gguf file"],
      ["org/repo:Q4 K", "bad quant"],
      ["ftp://host/m.gguf", "only http(s) URLs"],
      ["https://host/", "names no file"],
    ];
    for (const [ref, why] of cases) {
      let error: unknown;
      try {
        parseReference(ref);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DownloadError);
      expect((error as DownloadError).kind).toBe("invalid_ref");
      expect((error as DownloadError).message).toContain(why);
    }
  });

  test("resolve URLs encode the revision and each path segment; formatReference spells refs back", () => {
    expect(resolveUrl("http://hub/", "o/r", "main", "a b/c#.gguf")).toBe("http://hub/o/r/resolve/main/a%20b/c%23.gguf");
    for (const ref of ["o/r:Q4_K_M", "o/r@dev/f.gguf", "o/r", "https://h/x.gguf"]) expect(formatReference(parseReference(ref))).toBe(ref);
  });
});

describe("selectModelFiles", () => {
  const files = (...paths: string[]): RepoFile[] => paths.map((path) => ({ path }));
  const pick = (list: RepoFile[], quant?: string) => selectModelFiles(list, "o/r", quant).map((f) => f.path);

  test("the quant as a whole word, never side files", () => {
    const repo = files("mmproj-m-Q4_K_M.gguf", "m-IQ4_K_M.gguf", "m-Q4_K_M.gguf", "m.imatrix-Q4_K_M.gguf", "m-Q8_0.gguf");
    expect(pick(repo, "Q4_K_M")).toEqual(["m-Q4_K_M.gguf"]);
    expect(pick(repo, "IQ4_K_M")).toEqual(["m-IQ4_K_M.gguf"]);
    expect(pick(files("m.Q5_K_M.gguf", "m-Q5_K_M_L.gguf"), "Q5_K_M")).toEqual(["m.Q5_K_M.gguf"]);
  });

  test("defaults: Q4_K_M, then Q8_0, then the only model", () => {
    expect(pick(files("a-Q8_0.gguf", "a-Q4_K_M.gguf"))).toEqual(["a-Q4_K_M.gguf"]);
    expect(pick(files("a-Q8_0.gguf", "a-F16.gguf"))).toEqual(["a-Q8_0.gguf"]);
    expect(pick(files("a-F16.gguf", "mmproj-a-F16.gguf", "README.md"))).toEqual(["a-F16.gguf"]);
  });

  test("a split model by its first part, with every part in order", () => {
    const repo = files("Q4_K_M/m-Q4_K_M-00002-of-00003.gguf", "Q4_K_M/m-Q4_K_M-00001-of-00003.gguf", "Q4_K_M/m-Q4_K_M-00003-of-00003.gguf", "m-Q8_0.gguf");
    expect(pick(repo)).toEqual(["Q4_K_M/m-Q4_K_M-00001-of-00003.gguf", "Q4_K_M/m-Q4_K_M-00002-of-00003.gguf", "Q4_K_M/m-Q4_K_M-00003-of-00003.gguf"]);
    expect(() => pick(repo.slice(1, 3))).toThrow("lacks Q4_K_M/m-Q4_K_M-00002-of-00003.gguf");
  });

  test("nothing to pick: errors that list what is there", () => {
    expect(() => pick(files("README.md"))).toThrow("no GGUF model file in o/r (it has no .gguf file)");
    expect(() => pick(files("mmproj-x.gguf"))).toThrow("no GGUF model file in o/r (only mmproj-x.gguf)");
    expect(() => pick(files("a-F16.gguf", "a-Q2_K.gguf"))).toThrow("o/r has several GGUF models and no Q4_K_M or Q8_0; name one (o/r:QUANT or o/r/FILE): a-F16.gguf, a-Q2_K.gguf");
  });
});

describe("split names and cache paths", () => {
  test("part names from any part", () => {
    expect(parseSplitName("d/m-Q4-00002-of-00003.gguf")).toEqual({ stem: "d/m-Q4", part: 2, count: 3 });
    expect(parseSplitName("m-00004-of-00003.gguf")).toBeUndefined();
    expect(splitPartNames("m-00002-of-00002.gguf")).toEqual(["m-00001-of-00002.gguf", "m-00002-of-00002.gguf"]);
    expect(splitPartNames("plain.gguf")).toEqual(["plain.gguf"]);
  });

  test("cache folder from the environment, hub and URL layouts", () => {
    expect(defaultCacheDir({ BUNLLAMA_MODELS_DIR: "/m", XDG_CACHE_HOME: "/x" })).toBe("/m");
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/x" })).toBe(join("/x", "bunllama", "models"));
    expect(hubFilePath("/c", "o/r", "main", "d/f.gguf")).toBe("/c/o/r/d/f.gguf");
    expect(hubFilePath("/c", "o/r", "v2", "f.gguf")).toBe("/c/o/r@v2/f.gguf");
    expect(urlFilePath("/c", new URL("http://h:81/a/../b%20c/x.gguf?t=1"))).toBe("/c/urls/h_81/b_c/x.gguf");
  });
});
