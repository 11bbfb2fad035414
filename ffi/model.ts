// A loaded GGUF model; owns its pointer and its vocabulary view.
import type { Pointer } from "bun:ffi";
import { lib } from "./library.ts";
import { drainNativeLog } from "./log.ts";
import { asPointer, cString } from "./strings.ts";
import { Vocab } from "./vocab.ts";

export interface ModelLoadOptions {
  gpuLayers?: number;
  mmap?: boolean;
  /** File descriptor that receives "bunllama-load-progress <percent>" lines every 10%; -1 = none. */
  progressFd?: number;
}

export class Model {
  #handle: Pointer | null;
  readonly vocab: Vocab;

  private constructor(handle: Pointer) {
    this.#handle = handle;
    this.vocab = new Vocab(asPointer(lib().llama_model_get_vocab(handle))!);
  }

  static load(path: string, options: ModelLoadOptions = {}): Model {
    const handle = asPointer(lib().shim_model_load(cString(path), options.gpuLayers ?? -1, options.mmap ?? true, options.progressFd ?? -1));
    if (!handle) {
      const detail = drainNativeLog().trim().split("\n").slice(-3).join(" | ");
      throw new Error(`failed to load model ${path}${detail ? `: ${detail}` : ""}`);
    }
    return new Model(handle);
  }

  /** The vocabulary only, no weights (a tokenizer process's load: fast and light). */
  static loadVocab(path: string): Model {
    const handle = asPointer(lib().shim_model_load_vocab(cString(path)));
    if (!handle) {
      const detail = drainNativeLog().trim().split("\n").slice(-3).join(" | ");
      throw new Error(`failed to load the vocabulary of ${path}${detail ? `: ${detail}` : ""}`);
    }
    return new Model(handle);
  }

  get handle(): Pointer {
    if (!this.#handle) throw new Error("model was freed");
    return this.#handle;
  }

  get contextLengthTrained(): number {
    return lib().llama_model_n_ctx_train(this.handle);
  }

  /** Sliding-window attention size; 0 when every layer sees the whole context. */
  get slidingWindow(): number {
    return lib().llama_model_n_swa(this.handle);
  }

  /** The most input bytes one token can cover; 0 when the tokenizer normalizes (no bound holds). */
  maxTokenBytes(): number {
    return lib().shim_vocab_max_piece_bytes(this.vocab.handle);
  }

  /** The GGUF `tokenizer.chat_template`, if the model has one. */
  chatTemplate(): string | undefined {
    const text = lib().llama_model_chat_template(this.handle, null);
    const value = text?.toString();
    return value ? value : undefined;
  }

  free(): void {
    if (!this.#handle) return;
    lib().llama_model_free(this.#handle);
    this.#handle = null;
  }
}
