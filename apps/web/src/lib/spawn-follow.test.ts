import { describe, expect, it } from "vitest";
import { afterFollow, FOLLOW_DELAYS_MS, FOLLOW_WINDOW_MS, nextFollowDelay, type FollowRecord } from "./spawn-follow";

describe("following a running server from the start page", () => {
  it("goes at once the first time, then waits longer after each bounce, then stops", () => {
    let record: FollowRecord | null = null;
    let now = 1_000_000;
    const delays: (number | null)[] = [];
    for (let i = 0; i <= FOLLOW_DELAYS_MS.length; i++) {
      const delay = nextFollowDelay(record, now);
      delays.push(delay);
      if (delay === null) break;
      now += delay + 200;
      record = afterFollow(record, now);
    }
    expect(delays).toEqual([...FOLLOW_DELAYS_MS, null]);
  });

  it("forgets old tries", () => {
    const now = 5_000_000;
    const old = { count: FOLLOW_DELAYS_MS.length, last: now - FOLLOW_WINDOW_MS - 1 };
    expect(nextFollowDelay(old, now)).toBe(0);
    expect(afterFollow(old, now)).toEqual({ count: 1, last: now });
  });
});
