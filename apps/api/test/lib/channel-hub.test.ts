import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelHub } from "../../src/lib/channel-hub";

// The hub behind the spawn-progress and build-log streams, on the real Redis. At a class start
// the first students' progress streams subscribed while the hub's fresh connection was still
// being checked by ioredis; the SUBSCRIBE failed and those streams never ended (bench scenario 2).

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `aula-test-hub-${randomBytes(4).toString("hex")}`;
const channelFor = (id: string) => `${prefix}:progress:${id}`;
const parse = (raw: string): { n: number } | null => {
  try {
    const v = JSON.parse(raw) as { n?: unknown };
    return typeof v.n === "number" ? { n: v.n } : null;
  } catch {
    return null;
  }
};

let redis: Redis;
let publisher: Redis;

beforeAll(async () => {
  redis = new Redis(url, { maxRetriesPerRequest: 1 });
  publisher = new Redis(url, { maxRetriesPerRequest: 1 });
  await Promise.all([redis.ping(), publisher.ping()]);
});
afterAll(async () => {
  await Promise.all([redis?.quit(), publisher?.quit()]);
});

async function until(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  return check();
}

describe("ChannelHub", () => {
  it("subscribes on its first listen, while its own connection is still being set up, and delivers what is published after", async () => {
    // A fresh hub per round, listened to at once and at a few later moments of its
    // connection's setup (connecting, connected, ready check, ready).
    for (let round = 0; round < 20; round++) {
      const hub = new ChannelHub(redis, channelFor, parse);
      try {
        const got: number[] = [];
        const ids = Array.from({ length: 4 }, (_, i) => `r${round}-${i}`);
        const listening = ids.map(async (id, i) => {
          if (i > 0) await new Promise((r) => setTimeout(r, (round % 4) * i));
          return hub.listen(id, (m) => got.push(m.n));
        });
        await Promise.all(listening);
        for (const [i, id] of ids.entries()) await publisher.publish(channelFor(id), JSON.stringify({ n: i }));
        expect(await until(() => got.length === ids.length)).toBe(true);
        expect(got.sort()).toEqual([0, 1, 2, 3]);
      } finally {
        await hub.close();
      }
    }
  });

  it("gives every listener of one id the message, keeps the channel while one listens, and drops malformed messages", async () => {
    const hub = new ChannelHub(redis, channelFor, parse);
    try {
      const a: number[] = [];
      const b: number[] = [];
      const [stopA, stopB] = await Promise.all([hub.listen("same", (m) => a.push(m.n)), hub.listen("same", (m) => b.push(m.n))]);
      await publisher.publish(channelFor("same"), "not json");
      await publisher.publish(channelFor("same"), JSON.stringify({ other: true }));
      await publisher.publish(channelFor("same"), JSON.stringify({ n: 1 }));
      expect(await until(() => a.length === 1 && b.length === 1)).toBe(true);
      stopA();
      await publisher.publish(channelFor("same"), JSON.stringify({ n: 2 }));
      expect(await until(() => b.length === 2)).toBe(true);
      expect(a).toEqual([1]);
      expect(b).toEqual([1, 2]);
      stopB();
      // Nobody listens: the hub lets go of the channel (Redis counts no subscriber).
      let receivers = -1;
      for (let i = 0; i < 100 && receivers !== 0; i++) {
        receivers = await publisher.publish(channelFor("same"), JSON.stringify({ n: 3 }));
        if (receivers !== 0) await new Promise((r) => setTimeout(r, 10));
      }
      expect(receivers).toBe(0);
    } finally {
      await hub.close();
    }
  });
});
