// Signatures of the thinking blocks this server emits. A signature is the reasoning text sealed
// with AES-256-GCM under a key of this process: it proves the block is ours, and it carries the
// reasoning back when the client shows it as omitted (thinking.display "omitted" sends back an
// empty `thinking` and the signature only, as Claude Code does). Anything that does not open
// (another server's signature, an edited one, one from before a restart) is foreign.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class ThinkingSigner {
  readonly #key: Buffer;

  /** `key`: 32 bytes; default a random key per process. */
  constructor(key: Uint8Array = randomBytes(32)) {
    if (key.length !== 32) throw new Error("the thinking signature key must be 32 bytes");
    this.#key = Buffer.from(key);
  }

  sign(thinking: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const sealed = Buffer.concat([cipher.update(thinking, "utf8"), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), sealed]).toString("base64");
  }

  /** The reasoning a signature of ours carries; undefined for a foreign or altered one. */
  open(signature: string): string | undefined {
    const bytes = Buffer.from(signature, "base64");
    if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== VERSION) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, bytes.subarray(1, 1 + IV_BYTES));
      decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      return undefined;
    }
  }
}
