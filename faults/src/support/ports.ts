// Loopback ports of the fault suite: 17000-17099 (e2e uses 18000s, bench 19000s). Files run one
// at a time, so they share the stack's ports; private services get their own.
export const FAULT_PORTS = {
  stack: { gateway: 17000, api: 17001, web: 17002 },
  redis: 17010,
  postgres: 17011,
} as const;
