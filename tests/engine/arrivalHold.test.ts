// The runner's wait for jobs the server said are on their way (engine/arrivalHold.ts).
import { expect, test } from "bun:test";
import { ArrivalHold } from "../../engine/arrivalHold.ts";

function clocked(holdMs = 25) {
  const clock = { now: 1000 };
  return { clock, hold: new ArrivalHold(holdMs, () => clock.now) };
}

test("a job with followers waits while nothing decodes, until the last follower arrives", () => {
  const { clock, hold } = clocked();
  hold.arrived(2);
  expect(hold.left(false)).toBe(25);
  clock.now += 5;
  hold.arrived(1);
  expect(hold.left(false)).toBe(20);
  hold.arrived(0);
  expect(hold.left(false)).toBe(0);
});

test("the wait ends after holdMs even when followers never come, and does not start again", () => {
  const { clock, hold } = clocked();
  hold.arrived(3);
  expect(hold.left(false)).toBe(25);
  clock.now += 25;
  expect(hold.left(false)).toBe(0);
  clock.now += 1;
  expect(hold.left(false)).toBe(0);
});

test("never a wait while sequences decode: they would stall", () => {
  const { hold } = clocked();
  hold.arrived(3);
  expect(hold.left(true)).toBe(0);
  // The followers then join the running batch as usual; the count is spent.
  expect(hold.left(false)).toBe(0);
});

test("a job alone starts at once", () => {
  const { hold } = clocked();
  hold.arrived(0);
  expect(hold.left(false)).toBe(0);
});

test("a new burst after one ran out holds again", () => {
  const { clock, hold } = clocked();
  hold.arrived(1);
  hold.left(false);
  clock.now += 30;
  expect(hold.left(false)).toBe(0);
  hold.arrived(2);
  expect(hold.left(false)).toBe(25);
});
