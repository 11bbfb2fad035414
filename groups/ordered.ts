// Runs tasks in parallel while their progress events come out in task order: the first task's
// live, the next one's buffered until the first ends, and so on (no interleaved lines).
import type { GenerateEvent } from "../core/index.ts";

export type Task<R> = (emit: (ev: GenerateEvent) => void) => Promise<R>;

export async function* runOrdered<R>(tasks: Task<R>[]): AsyncGenerator<GenerateEvent, R[]> {
  const buffers: GenerateEvent[][] = tasks.map(() => []);
  const ended = tasks.map(() => false);
  let wake: (() => void) | undefined;
  const poke = () => {
    wake?.();
    wake = undefined;
  };
  const results = tasks.map((task, i) =>
    task((ev) => {
      buffers[i]!.push(ev);
      poke();
    }).finally(() => {
      ended[i] = true;
      poke();
    }),
  );
  for (let i = 0; i < tasks.length; i++) {
    for (;;) {
      while (buffers[i]!.length) yield buffers[i]!.shift()!;
      if (ended[i]) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  return Promise.all(results);
}
