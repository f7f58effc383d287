export * from "./errors";
export * from "./common";
export * from "./users";
export * from "./auth";
export * from "./tokens";
export * from "./audit";
export * from "./health";
export * from "./servers";
