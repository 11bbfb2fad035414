// Tokenizer process: a vocabulary-only load of one model that turns prompts into tokens, one at
// a time. It lives apart from the runner so that llama.cpp's tokenizer, which aborts the process
// on some inputs and is quadratic on others, never stops or stalls the decode loop.
import { captureNativeLog } from "../ffi/log.ts";
import { Model } from "../ffi/model.ts";
import { LineChannel } from "./channel.ts";
import { PrefixTokenizer } from "./prefixTokenizer.ts";
import type { FromTokenizer, ToTokenizer } from "./protocol.ts";

export async function runTokenizer(): Promise<void> {
  const socketPath = process.env.BUNLLAMA_CHANNEL;
  if (!socketPath) throw new Error("the tokenizer is started by the server (BUNLLAMA_CHANNEL is not set)");
  let model: Model | undefined;
  let tokenizer: PrefixTokenizer | undefined;
  const channel: LineChannel<ToTokenizer, FromTokenizer> = new LineChannel((message) => {
    if (message.type === "load") {
      try {
        captureNativeLog(message.verbose);
        model = Model.loadVocab(message.modelPath);
        const vocab = model.vocab;
        tokenizer = new PrefixTokenizer(
          { type: vocab.type, addBos: vocab.addBos, addsAtEnd: vocab.addsAtEnd, special: vocab.specialTokens() },
          (text, addSpecial) => vocab.tokenize(text, addSpecial, true),
        );
        channel.send({ type: "ready", info: { maxTokenBytes: model.maxTokenBytes() } });
      } catch (error) {
        channel.send({ type: "fatal", message: (error as Error).message });
        // Give the message time to leave before the process goes.
        setTimeout(() => process.exit(1), 100);
      }
      return;
    }
    const { id, prompt, addSpecial, limit } = message;
    try {
      const tokens = tokenizer!.tokens(prompt, addSpecial);
      channel.send({ type: "tokens", id, count: tokens.length, ...(tokens.length <= limit ? { tokens: Array.from(tokens) } : {}) });
    } catch (error) {
      channel.send({ type: "error", id, message: (error as Error).message });
    }
  });
  await Bun.connect({
    unix: socketPath,
    socket: {
      open: (socket) => channel.attach(socket),
      data: (_socket, data) => channel.receive(data),
      drain: () => channel.drain(),
      // The server owns this process: when it goes, so do we.
      close: () => process.exit(0),
    },
  });
}
