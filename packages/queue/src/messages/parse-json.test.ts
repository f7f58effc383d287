import { describe, expect, it } from "vitest";
import { parseProgressEvent } from "../progress";
import { parseBuildLogMessage } from "../build-log-channel";
import { parseRouteMessage } from "./route-messages";
import { parseSessionMessage } from "./session-messages";

// Every subscriber parses what other processes published through parseJsonWith: malformed JSON
// and the wrong shape are null, never an exception in a message handler.

describe("parsing published messages", () => {
  const parsers = { parseProgressEvent, parseBuildLogMessage, parseRouteMessage, parseSessionMessage };

  it.each(Object.entries(parsers))("%s refuses bad JSON and the wrong shape with null", (_name, parse) => {
    expect(parse("{not json")).toBeNull();
    expect(parse("")).toBeNull();
    expect(parse('{"type":"something-else"}')).toBeNull();
    expect(parse("null")).toBeNull();
  });

  it("reads each kind's well-formed message", () => {
    expect(parseBuildLogMessage('{"type":"end","status":"SUCCEEDED"}')).toEqual({ type: "end", status: "SUCCEEDED" });
    expect(parseSessionMessage('{"type":"revoke-user","userId":"u1"}')).toEqual({ type: "revoke-user", userId: "u1" });
    expect(parseRouteMessage('{"type":"remove","username":"ana","serverId":"s1"}')).toMatchObject({ type: "remove", username: "ana" });
    const at = new Date().toISOString();
    expect(parseProgressEvent(JSON.stringify({ serverId: "s1", phase: "ready", message: "Your server is ready.", progress: 100, at }))).toMatchObject({ phase: "ready", at });
  });
});
