// Chat templates end to end on generated models with real tokenizers and real templates:
// special tokens parse as single tokens, BOS appears exactly once, streamed text stays UTF-8.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Model } from "../../ffi/model.ts";
import { generateModel, TINY_QWEN } from "../fixtures/models.ts";
import { TINY_LLAMA3 } from "../support/generated.ts";
import { readSse, startTestServer, type TestServer } from "../support/server.ts";


const conversation = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Say hi." },
];

async function renderedPrompt(server: TestServer) {
  const response = await server.post("/v1/chat/completions", {
    model: server.modelId, messages: conversation, max_tokens: 1, return_prompt: true, temperature: 0,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as any;
}

describe("Qwen2.5 template and tokenizer", () => {
  let server: TestServer;
  let model: Model;
  beforeAll(async () => {
    const path = await generateModel(TINY_QWEN);
    server = await startTestServer(path, { contextSize: 4096 });
    model = Model.load(path);
  });
  afterAll(() => {
    server.close();
    model.free();
  });

  test("renders ChatML with the generation prompt; markers become single special tokens", async () => {
    const result = await renderedPrompt(server);
    expect(result.prompt).toBe(
      "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nSay hi.<|im_end|>\n<|im_start|>assistant\n",
    );
    const tokens = model.vocab.tokenize(result.prompt, false, true);
    expect(result.usage.prompt_tokens).toBe(tokens.length);
    const imStart = model.vocab.tokenize("<|im_start|>", false, true);
    expect(imStart.length).toBe(1);
  });

  test("streamed text is the UTF-8 decoding of the generated token bytes, whatever the chunking", async () => {
    // Random weights at a high temperature emit arbitrary byte-level BPE tokens, many of them
    // partial UTF-8 sequences: the stream must assemble them exactly as a whole decode would.
    const body = {
      model: server.modelId, messages: conversation, max_tokens: 120, temperature: 1.5, top_k: 0, top_p: 1,
      seed: 1234, logprobs: true, stream: true,
    };
    const chunks = (await readSse(await server.post("/v1/chat/completions", body))).slice(0, -1) as any[];
    const streamed = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    const bytes = chunks.flatMap((c) => (c.choices[0]?.logprobs?.content ?? []).flatMap((t: any) => t.bytes));
    expect(bytes.length).toBeGreaterThan(0);
    const expected = new TextDecoder().decode(new Uint8Array(bytes));
    expect(streamed).toBe(expected);
    const multiByte = [...streamed].some((ch) => ch.codePointAt(0)! > 0x7f && ch !== "\ufffd");
    expect(multiByte).toBe(true);
  });
});

describe("Llama 3.3 template and tokenizer", () => {
  let server: TestServer;
  let model: Model;
  beforeAll(async () => {
    const path = await generateModel(TINY_LLAMA3);
    server = await startTestServer(path, { contextSize: 4096 });
    model = Model.load(path);
  });
  afterAll(() => {
    server.close();
    model.free();
  });

  test("the template's own BOS is the only BOS in the prompt", async () => {
    expect(model.vocab.addBos).toBe(true);
    const result = await renderedPrompt(server);
    expect(result.prompt).toStartWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>");
    expect(result.prompt).toEndWith("<|start_header_id|>assistant<|end_header_id|>\n\n");
    const tokens = model.vocab.tokenize(result.prompt, false, true);
    expect(tokens[0]).toBe(model.vocab.bos);
    expect(tokens.filter((t) => t === model.vocab.bos).length).toBe(1);
    // Had the server added another BOS, the count would be one higher.
    expect(result.usage.prompt_tokens).toBe(tokens.length);
  });
});

describe("a template that cannot render a conversation", () => {
  let server: TestServer;
  beforeAll(async () => {
    // The start-up warm-up renders a sample conversation too: its failure must not fail the load.
    server = await startTestServer(await generateModel(TINY_QWEN), { contextSize: 1024 }, { chatTemplate: '{{ raise_exception("this template renders nothing") }}' });
  });
  afterAll(() => server.close());

  test("still loads, and each request is refused with the template's error", async () => {
    const response = await server.post("/v1/chat/completions", { model: server.modelId, messages: conversation, max_tokens: 1 });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.error.code).toBe("chat_template_error");
    expect(body.error.message).toContain("this template renders nothing");
  });
});
