import { describe, expect, it } from "vitest";
import { describeQueuePosition, describeServer, formatEta, isActiveStatus, isFinalPhase, parseProgressEvent, progressSentence, progressValue } from "./server-status";

describe("parseProgressEvent", () => {
  it("reads an event with its optional queue position and estimate", () => {
    const data = JSON.stringify({ serverId: "s1", phase: "queued", message: "Waiting for a free slot…", progress: 5, position: 2, etaSeconds: 30, at: "2026-01-01T00:00:00.000Z" });
    expect(parseProgressEvent(data)).toEqual({ serverId: "s1", phase: "queued", message: "Waiting for a free slot…", progress: 5, position: 2, etaSeconds: 30, at: "2026-01-01T00:00:00.000Z" });
  });

  it("drops fields it cannot trust and clamps the progress", () => {
    const data = JSON.stringify({ serverId: "s1", phase: "starting", message: "m", progress: 140, position: 0, etaSeconds: -1, at: "t" });
    expect(parseProgressEvent(data)).toEqual({ serverId: "s1", phase: "starting", message: "m", progress: 100, at: "t" });
  });

  it.each([["not json"], ["null"], [JSON.stringify({ serverId: "s1", phase: "exploded", message: "m", progress: 1, at: "t" })], [JSON.stringify({ phase: "ready" })]])(
    "refuses %s",
    (data) => {
      expect(parseProgressEvent(data)).toBeNull();
    },
  );
});

describe("server wording", () => {
  it("shows the recorded reason of a stopped or failed server", () => {
    expect(describeServer({ status: "stopped", stopReason: "Stopped by you.", failureReason: null })).toBe("Stopped by you.");
    expect(describeServer({ status: "failed", stopReason: null, failureReason: "The image is missing." })).toBe("The image is missing.");
    expect(describeServer({ status: "stopped", stopReason: null, failureReason: null }, "ana's")).toBe("ana's server is stopped.");
  });

  it("knows which states hold a server and which phases end the stream", () => {
    expect(["queued", "starting", "running", "stopping"].every((s) => isActiveStatus(s as never))).toBe(true);
    expect(isActiveStatus("stopped") || isActiveStatus("failed")).toBe(false);
    expect(isFinalPhase("ready") && isFinalPhase("failed") && isFinalPhase("stopped")).toBe(true);
    expect(isFinalPhase("waiting")).toBe(false);
  });

  it("says queue positions and estimates as people would", () => {
    expect(describeQueuePosition(1)).toBe("Your server is next in the queue.");
    expect(describeQueuePosition(4)).toBe("Your server is number 4 in the queue.");
    expect(formatEta(12)).toBe("about 12 s");
    expect(formatEta(150)).toBe("about 3 min");
    expect(formatEta(3900)).toBe("about 1 h 5 min");
  });

  it("uses the stream's message and value only for the server it belongs to", () => {
    const event = { serverId: "s1", phase: "waiting" as const, message: "Waiting for Jupyter to answer…", progress: 80, at: "t" };
    expect(progressSentence({ id: "s1", status: "starting" }, event)).toBe("Waiting for Jupyter to answer…");
    expect(progressValue({ id: "s1", status: "starting" }, event)).toBe(80);
    expect(progressSentence({ id: "s2", status: "queued" }, event)).toBe("Waiting for a free slot…");
    expect(progressValue({ id: "s2", status: "queued" }, event)).toBe(5);
  });
});
