"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { homeFor } from "../../lib/roles";
import { useUser } from "../../lib/session";

export function HomeRedirect() {
  const user = useUser();
  const router = useRouter();
  useEffect(() => {
    router.replace(homeFor(user.role));
  }, [user.role, router]);
  return <p className="muted">Opening your home page…</p>;
}
