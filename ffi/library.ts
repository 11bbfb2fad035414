// Loads libllama (and libmtmd) through the shim and exposes the raw symbols as typed objects.
import { dlopen, FFIType, type Library, type Symbols } from "bun:ffi";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { batchSymbols } from "./symbols/batch.ts";
import { contextSymbols } from "./symbols/context.ts";
import { logSymbols } from "./symbols/log.ts";
import { modelSymbols } from "./symbols/model.ts";
import { mtmdSymbols } from "./symbols/mtmd.ts";
import { samplerSymbols } from "./symbols/sampler.ts";
import { stateSymbols } from "./symbols/state.ts";
import { vocabSymbols } from "./symbols/vocab.ts";

const symbols = {
  ...modelSymbols,
  ...contextSymbols,
  ...batchSymbols,
  ...vocabSymbols,
  ...samplerSymbols,
  ...stateSymbols,
  ...logSymbols,
};

let embedded: EmbeddedLibrary[] | undefined;

/** A library the binary carries, and one symbol it exports (bun:ffi's dlopen needs one). */
export interface EmbeddedLibrary {
  path: string;
  symbol: string;
}

/**
 * The compiled binary carries the native libraries itself (see cli/compiled.ts): dependencies
 * first, the shim last. Loading each by path lets the shim's NEEDED entries resolve by soname.
 */
export function useEmbeddedLibraries(dependencyOrder: EmbeddedLibrary[]): void {
  embedded = dependencyOrder;
}

/** Where libshim.so and libllama live: LLAMA_LIB_DIR, else the project's own build. */
export function libraryDir(): string {
  return process.env.LLAMA_LIB_DIR ?? resolve(import.meta.dir, "..", "llama.cpp", "build", "bin");
}

let shimPath: string | undefined;

/** libshim.so's path; in the binary, its embedded dependencies are loaded first (once). */
function locateShim(dir: string): string {
  if (shimPath) return shimPath;
  let path = join(dir, "libshim.so");
  if (embedded) {
    for (const { path: dependency, symbol } of embedded.slice(0, -1)) {
      dlopen(dependency, { [symbol]: { args: [], returns: FFIType.void } });
    }
    path = embedded.at(-1)!.path;
  } else if (!existsSync(path)) {
    throw new Error(`libshim.so not found in ${dir}: run \`make setup\` (or set LLAMA_LIB_DIR)`);
  }
  shimPath = path;
  return path;
}

/**
 * Opens one symbol table from the shim; when that fails, names the missing symbol (a pin change
 * that renamed something should say what). When no symbol loads, the library itself did not
 * (e.g. a dependency such as libmtmd is missing): the loader's own error says why.
 */
function open<T extends Symbols>(table: T): Library<T>["symbols"] {
  const path = locateShim(embedded ? "" : libraryDir());
  try {
    return dlopen(path, table).symbols;
  } catch (error) {
    const missing = Object.entries(table).filter(([name, signature]) => {
      try {
        dlopen(path, { [name]: signature }).close();
        return false;
      } catch {
        return true;
      }
    });
    if (missing.length > 0 && missing.length < Object.keys(table).length) {
      throw new Error(`${path}: symbol ${missing[0]![0]} is missing (llama.cpp pin and ffi/symbols disagree)`);
    }
    throw error;
  }
}

let loaded: Library<typeof symbols>["symbols"] | undefined;

/** The raw symbols; libllama's backend is initialised on first use. */
export function lib() {
  if (!loaded) {
    loaded = open(symbols);
    // Quiet by default: warnings and errors are kept in the shim's ring for error messages.
    loaded.shim_log_capture(3);
    loaded.llama_backend_init();
    setBalancedMatmul(true);
  }
  return loaded;
}

/**
 * Whether quantized matrix multiplications share out their tiles as the threads go rather than
 * an equal share each (llama.cpp/patches/0002). On a shared machine one core often runs slower
 * than the other for tens of seconds; with equal shares the faster thread then waits at every
 * barrier (16 streams, the bench model, in such stretches: 129-157 ms a step, balanced 123-128;
 * level otherwise, about 104). On for every context; results are the same to the bit.
 */
export function setBalancedMatmul(balanced: boolean): void {
  lib().ggml_cpu_set_balanced_matmul(balanced);
}

let loadedMtmd: Library<typeof mtmdSymbols>["symbols"] | undefined;

/** libmtmd's symbols (reached through the shim, which links it), after libllama's set-up. */
export function mtmdLib() {
  if (!loadedMtmd) {
    lib();
    loadedMtmd = open(mtmdSymbols);
  }
  return loadedMtmd;
}
