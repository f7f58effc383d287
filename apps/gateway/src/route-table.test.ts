import { describe, expect, it } from "vitest";
import { RouteTable } from "./route-table";

const route = (serverId: string, port = 9000) => ({ port, token: `t-${serverId}`, serverId });

describe("RouteTable", () => {
  it("ignores a remove naming another server than the routed one", () => {
    const table = new RouteTable();
    table.add("ana", route("s2"));
    expect(table.remove("ana", "s1")).toBe(false);
    expect(table.get("ana")?.serverId).toBe("s2");
    expect(table.remove("ana", "s2")).toBe(true);
    expect(table.get("ana")).toBeUndefined();
  });

  it("does not let a resync that started before a message undo it", () => {
    const table = new RouteTable();
    table.replaceAll([{ username: "old", ...route("s0") }], table.beginSync());
    const started = table.beginSync();
    // While the database query runs: ana's server becomes ready, old's is stopped.
    table.add("ana", route("s1"));
    table.remove("old", "s0");
    table.replaceAll([{ username: "old", ...route("s0") }], started);
    expect(table.get("ana")?.serverId).toBe("s1");
    expect(table.get("old")).toBeUndefined();
    // The next resync, started after the messages, is authoritative again.
    table.replaceAll([], table.beginSync());
    expect(table.get("ana")).toBeUndefined();
  });

  it("reports removed and replaced routes", () => {
    const table = new RouteTable();
    const removed: string[] = [];
    table.onRemoved((_u, r) => removed.push(r.serverId));
    table.add("ana", route("s1"));
    table.add("ana", route("s2"));
    table.add("ana", route("s2", 9001));
    table.remove("ana", "s2");
    expect(removed).toEqual(["s1", "s2"]);
  });
});
