// encrypted_content of reasoning items: the reasoning text sealed with AES-256-GCM under a key
// kept in the store (so it survives restarts). Clients send the blob back verbatim; ours opens,
// anyone else's (OpenAI's, a former key's) does not and is ignored.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const PREFIX = "bunllama.r1.";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class ReasoningCipher {
  constructor(private readonly key: Uint8Array) {
    if (key.length !== 32) throw new Error("the reasoning key must be 32 bytes");
  }

  static newKey(): Uint8Array {
    return new Uint8Array(randomBytes(32));
  }

  seal(text: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
  }

  /** The text, or undefined when the blob is not one of ours (or was tampered with). */
  open(blob: string): string | undefined {
    if (!blob.startsWith(PREFIX)) return undefined;
    try {
      const raw = Buffer.from(blob.slice(PREFIX.length), "base64url");
      const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      return undefined;
    }
  }
}
