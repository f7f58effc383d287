export * from "./auth/tokens";
