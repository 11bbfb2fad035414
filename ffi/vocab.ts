// Tokenizer view of a model; the pointer belongs to the Model.
import type { Pointer } from "bun:ffi";
import { lib } from "./library.ts";
import { utf8 } from "./strings.ts";

/** llama_vocab_type values. */
export const VocabType = { SPM: 1, BPE: 2, WPM: 3, UGM: 4, RWKV: 5, PLAMO2: 6 } as const;

/** llama_token_attr bits. */
export const TokenAttr = { UNKNOWN: 1 << 0, CONTROL: 1 << 3, USER_DEFINED: 1 << 4, LSTRIP: 1 << 7, RSTRIP: 1 << 8 } as const;

/** A token llama.cpp splits prompt text at before tokenizing the pieces between (parse_special). */
export interface SpecialToken {
  id: number;
  text: string;
  attr: number;
}

export class Vocab {
  readonly size: number;
  readonly bos: number;
  readonly eos: number;
  readonly addBos: boolean;
  // Reused per call: token pieces are short, and this is the per-token hot path.
  #pieceBuffer = new Uint8Array(256);

  constructor(readonly handle: Pointer) {
    const l = lib();
    this.size = l.llama_vocab_n_tokens(handle);
    this.bos = l.llama_vocab_bos(handle);
    this.eos = l.llama_vocab_eos(handle);
    this.addBos = l.llama_vocab_get_add_bos(handle);
  }

  get type(): number {
    return lib().llama_vocab_type(this.handle);
  }

  /** Whether tokenizing with add_special appends a token at the end (EOS or SEP). */
  get addsAtEnd(): boolean {
    return lib().llama_vocab_get_add_eos(this.handle) || lib().llama_vocab_get_add_sep(this.handle);
  }

  /** The control, user-defined and unknown tokens: those llama.cpp matches in prompt text first. */
  specialTokens(): SpecialToken[] {
    const l = lib();
    const special = TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN;
    const out: SpecialToken[] = [];
    for (let id = 0; id < this.size; id++) {
      const attr = l.llama_vocab_get_attr(this.handle, id);
      if (attr & special) out.push({ id, text: l.llama_vocab_get_text(this.handle, id)?.toString() ?? "", attr });
    }
    return out;
  }

  /** Two-pass: a first guess of the size, then exactly what llama.cpp asks for. */
  tokenize(text: string, addSpecial: boolean, parseSpecial: boolean): Int32Array {
    const bytes = utf8(text);
    let tokens = new Int32Array(bytes.length + 2);
    let n = lib().llama_tokenize(this.handle, bytes, bytes.length, tokens, tokens.length, addSpecial, parseSpecial);
    if (n < 0) {
      if (n === -2147483648) throw new Error("prompt too long to tokenize");
      tokens = new Int32Array(-n);
      n = lib().llama_tokenize(this.handle, bytes, bytes.length, tokens, tokens.length, addSpecial, parseSpecial);
    }
    return tokens.subarray(0, n);
  }

  /** The bytes of one token (a copy); special tokens are rendered when `special`. */
  piece(token: number, special = false): Uint8Array {
    let n = lib().llama_token_to_piece(this.handle, token, this.#pieceBuffer, this.#pieceBuffer.length, 0, special);
    if (n < 0) {
      this.#pieceBuffer = new Uint8Array(-n);
      n = lib().llama_token_to_piece(this.handle, token, this.#pieceBuffer, this.#pieceBuffer.length, 0, special);
    }
    return this.#pieceBuffer.slice(0, n);
  }

  isEndOfGeneration(token: number): boolean {
    return lib().llama_vocab_is_eog(this.handle, token);
  }
}
