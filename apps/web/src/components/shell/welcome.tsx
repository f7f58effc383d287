"use client";

import { useUser } from "../../lib/session";

export function Welcome() {
  const user = useUser();
  return <p>Welcome, {user.displayName}.</p>;
}
