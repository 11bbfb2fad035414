// Reusing an earlier prompt's tokens must give exactly llama.cpp's tokens for the whole prompt.
// Checked on every vocabulary llama.cpp's source ships (models/ggml-vocab-*.gguf: SPM, BPE of
// many pre-tokenizers, WPM, UGM), with growing conversations made of each vocabulary's own
// special tokens and llama.cpp's tokenizer test strings (whitespace runs, accents, CJK, code).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { commonPrefixLength, PrefixTokenizer, splitTokens, type VocabTraits } from "../../engine/prefixTokenizer.ts";
import { Model } from "../../ffi/model.ts";
import { TokenAttr, VocabType, type Vocab } from "../../ffi/vocab.ts";
import { LLAMA_CPP_SOURCE } from "../fixtures/model-spec.ts";
import { XorShift32 } from "../fixtures/random.ts";

const VOCAB_DIR = resolve(LLAMA_CPP_SOURCE, "models");
const vocabFiles = readdirSync(VOCAB_DIR).filter((f) => /^ggml-vocab-.*\.gguf$/.test(f)).sort();

const models = new Map<string, Model>();
afterAll(() => models.forEach((m) => m.free()));

function load(file: string): Vocab {
  let model = models.get(file);
  if (!model) models.set(file, (model = Model.loadVocab(resolve(VOCAB_DIR, file))));
  return model.vocab;
}

const traitsOf = (vocab: Vocab): VocabTraits => ({ type: vocab.type, addBos: vocab.addBos, addsAtEnd: vocab.addsAtEnd, special: vocab.specialTokens() });

/** llama.cpp's own tokenizer test inputs for this vocabulary, or a few of ours. */
function testStrings(file: string): string[] {
  const path = resolve(VOCAB_DIR, `${file}.inp`);
  const ours = ["Hello world", " Hello", "   leading spaces", "trailing  ", "\n\n", "tab\there", "ünïcödé ✓", "日本語のテキスト", "x = {a: [1, 2]};"];
  if (!existsSync(path)) return ours;
  return [...readFileSync(path, "utf8").split("\n__ggml_vocab_test__\n"), ...ours];
}

/** Conversations that grow the way a chat client's prompts do: each turn keeps the text before,
 *  sometimes less its last few characters (a generation prompt the answer replaces), and adds
 *  special tokens, text and whitespace. */
function conversations(vocab: Vocab, file: string, seed: number): string[][] {
  const random = new XorShift32(seed);
  const pick = <T>(xs: T[]): T => xs[random.nextUint32() % xs.length]!;
  const specials = vocab.specialTokens().map((t) => t.text).filter((t) => t.length > 0);
  const strings = testStrings(file);
  const piece = () => {
    const r = random.nextUint32() % 10;
    if (r < 3 && specials.length > 0) return pick(specials);
    if (r < 4) return pick([" ", "\n", "  ", "\t"]);
    return pick(strings);
  };
  const out: string[][] = [];
  for (let c = 0; c < 4; c++) {
    const prompts: string[] = [];
    let text = "";
    for (let turn = 0; turn < 8; turn++) {
      if (turn > 0 && random.nextUint32() % 2 === 0) text = text.slice(0, Math.max(0, text.length - (random.nextUint32() % 4)));
      for (let k = 1 + (random.nextUint32() % 8); k > 0; k--) text += piece();
      prompts.push(text);
    }
    out.push(prompts);
  }
  return out;
}

describe("PrefixTokenizer on llama.cpp's vocabularies", () => {
  test("there are vocabularies to test (llama.cpp's source is fetched)", () => {
    expect(vocabFiles.length).toBeGreaterThan(10);
  });

  for (const file of vocabFiles) {
    test(`${file}: the tokens of every prompt are those of tokenizing it whole`, () => {
      const vocab = load(file);
      const traits = traitsOf(vocab);
      const whole = (text: string, addSpecial: boolean) => vocab.tokenize(text, addSpecial, true);
      const tokenizer = new PrefixTokenizer(traits, whole);
      let reused = 0;
      for (const [i, prompts] of conversations(vocab, file, 7 + file.length).entries()) {
        const addSpecial = i % 2 === 0;
        for (const prompt of prompts) {
          expect(Array.from(tokenizer.tokens(prompt, addSpecial))).toEqual(Array.from(whole(prompt, addSpecial)));
          reused += tokenizer.lastReused;
        }
      }
      // Reuse is on where the vocabulary allows it, and then it happens.
      const reusable = (traits.type === VocabType.SPM || traits.type === VocabType.BPE) && !traits.addsAtEnd;
      expect(tokenizer.reuses).toBe(reusable && splitTokens(traits).size > 0);
      if (tokenizer.reuses) expect(reused).toBeGreaterThan(0);
      else expect(reused).toBe(0);
    });
  }

  test("a ChatML conversation's next turn reuses every token up to its last shared <|im_start|>", () => {
    const vocab = load("ggml-vocab-qwen2.gguf");
    const whole = (text: string, addSpecial: boolean) => vocab.tokenize(text, addSpecial, true);
    const tokenizer = new PrefixTokenizer(traitsOf(vocab), whole);
    const turn1 = "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi there!<|im_end|>\n<|im_start|>assistant\n";
    const turn2 = `${turn1}Hello! How can I help?<|im_end|>\n<|im_start|>user\nTell me a story.<|im_end|>\n<|im_start|>assistant\n`;
    tokenizer.tokens(turn1, false);
    expect(tokenizer.lastReused).toBe(0);
    const tokens = tokenizer.tokens(turn2, false);
    expect(Array.from(tokens)).toEqual(Array.from(whole(turn2, false)));
    // The last <|im_start|> of turn 1 opens "assistant\n", which turn 2 continues: its tokens up
    // to that token are reused, and the text from it on is tokenized again.
    const imStart = whole("<|im_start|>", false)[0]!;
    const before = whole(turn1, false);
    expect(tokenizer.lastReused).toBe(before.lastIndexOf(imStart));
  });

  test("a prompt that shares no special token with earlier ones is tokenized whole", () => {
    const vocab = load("ggml-vocab-qwen2.gguf");
    const whole = (text: string, addSpecial: boolean) => vocab.tokenize(text, addSpecial, true);
    const tokenizer = new PrefixTokenizer(traitsOf(vocab), whole);
    tokenizer.tokens("<|im_start|>user\nOne<|im_end|>\n", false);
    expect(Array.from(tokenizer.tokens("<|im_end|>user\nTwo", false))).toEqual(Array.from(whole("<|im_end|>user\nTwo", false)));
    expect(tokenizer.lastReused).toBe(0);
    // Remembered with add_special true, reused only for add_special true.
    tokenizer.tokens("<|im_start|>user\nOne<|im_end|>\n<|im_start|>a", true);
    expect(tokenizer.lastReused).toBe(0);
  });

  test("the oldest prompts are forgotten past the entry limit", () => {
    const vocab = load("ggml-vocab-qwen2.gguf");
    const tokenizer = new PrefixTokenizer(traitsOf(vocab), (t, a) => vocab.tokenize(t, a, true), { entries: 2, chars: 1 << 20 });
    const conversation = (n: number) => `<|im_start|>system\nConversation ${n}<|im_end|>\n<|im_start|>user\n`;
    for (const n of [1, 2, 3]) tokenizer.tokens(conversation(n), false);
    tokenizer.tokens(`${conversation(3)}more<|im_end|>`, false);
    expect(tokenizer.lastReused).toBeGreaterThan(0);
    tokenizer.tokens(`${conversation(1)}more<|im_end|>`, false);
    expect(tokenizer.lastReused).toBe(0);
  });
});

describe("splitTokens", () => {
  const token = (id: number, text: string, attr = TokenAttr.CONTROL) => ({ id, text, attr });
  const bpe = (special: ReturnType<typeof token>[]): VocabTraits => ({ type: VocabType.BPE, addBos: false, addsAtEnd: false, special });

  test("control and user-defined tokens with distinct, non-overlapping texts", () => {
    const split = splitTokens(bpe([token(1, "<|a|>"), token(2, "<|bb|>", TokenAttr.USER_DEFINED), token(3, "<unk>", TokenAttr.UNKNOWN)]));
    expect([...split.entries()]).toEqual([[1, "<|a|>"], [2, "<|bb|>"]]);
  });

  test("never a token whose text another contains or overlaps, that strips the space before it, or that has space at its ends", () => {
    expect(splitTokens(bpe([token(1, "<|a|>"), token(2, "x<|a|>y")])).has(1)).toBe(false);
    expect(splitTokens(bpe([token(1, "<|a|>"), token(2, "b<|")])).has(1)).toBe(false);
    expect(splitTokens(bpe([token(1, "<|a|>"), token(2, "|>b")])).has(1)).toBe(false);
    expect(splitTokens(bpe([token(1, "<|a|>", TokenAttr.CONTROL | TokenAttr.LSTRIP)])).size).toBe(0);
    expect(splitTokens(bpe([token(1, "<|a|>", TokenAttr.CONTROL | TokenAttr.RSTRIP)])).size).toBe(1);
    expect(splitTokens(bpe([token(1, " <a>")])).size).toBe(0);
    expect(splitTokens(bpe([token(1, "<a>"), token(2, "<a>")])).size).toBe(0);
  });

  test("none where llama.cpp does not tokenize the stretches alone, or adds a token at the end", () => {
    const special = [token(1, "<|a|>")];
    expect(splitTokens({ type: VocabType.WPM, addBos: true, addsAtEnd: false, special }).size).toBe(0);
    expect(splitTokens({ type: VocabType.UGM, addBos: true, addsAtEnd: false, special }).size).toBe(0);
    expect(splitTokens({ type: VocabType.SPM, addBos: true, addsAtEnd: true, special }).size).toBe(0);
    expect(splitTokens({ type: VocabType.SPM, addBos: true, addsAtEnd: false, special }).size).toBe(1);
  });
});

test("commonPrefixLength across block boundaries and at the ends", () => {
  const long = "ab".repeat(3000);
  expect(commonPrefixLength(long, long)).toBe(6000);
  expect(commonPrefixLength(long, `${long.slice(0, 2500)}X${long.slice(2501)}`)).toBe(2500);
  expect(commonPrefixLength(long, long.slice(0, 1024))).toBe(1024);
  expect(commonPrefixLength("", long)).toBe(0);
  expect(commonPrefixLength("x", "y")).toBe(0);
});
