"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { errorMessage } from "../../lib/api";
import { activeHref, homeFor, navFor, roleLabel, rolesAllowedAt } from "../../lib/roles";
import { useSession } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { NotAvailable } from "./not-available";

export function Shell({ children }: { children: ReactNode }) {
  const { state, signOut, reload } = useSession();
  const router = useRouter();
  const pathname = usePathname();
  const signingOut = useRef(false);
  const [signOutError, setSignOutError] = useState<string | null>(null);

  useEffect(() => {
    if (state.status !== "anonymous") return;
    if (signingOut.current) {
      router.replace("/login");
      return;
    }
    // window.location rather than useSearchParams: the query string is only needed here, and
    // reading it through the hook would force a Suspense boundary around every page.
    const here = `${window.location.pathname}${window.location.search}`;
    router.replace(`/login?next=${encodeURIComponent(here)}`);
  }, [state.status, router]);

  if (state.status === "loading" || state.status === "anonymous") {
    return (
      <main className="centered">
        <p className="muted">{state.status === "loading" ? "Loading…" : "Taking you to the sign-in page…"}</p>
      </main>
    );
  }

  if (state.status === "error") {
    return (
      <main className="centered">
        <div className="card narrow">
          <h1>Aula is not answering</h1>
          <ErrorText>{state.message}</ErrorText>
          <button type="button" className="button" onClick={reload}>
            Try again
          </button>
        </div>
      </main>
    );
  }

  const { user } = state;
  const items = navFor(user.role);
  const current = activeHref(items, pathname);
  const allowed = rolesAllowedAt(pathname);

  async function onSignOut() {
    signingOut.current = true;
    setSignOutError(null);
    try {
      await signOut();
    } catch (error) {
      signingOut.current = false;
      setSignOutError(`Signing out failed: ${errorMessage(error)}`);
    }
  }

  return (
    <div className="shell">
      <header className="topbar">
        <div className="topbar-inner">
          <Link href={homeFor(user.role)} className="brand">
            Aula
          </Link>
          <nav aria-label="Main" className="mainnav">
            <ul>
              {items.map((item) => (
                <li key={item.href}>
                  <Link href={item.href} aria-current={item.href === current ? "page" : undefined}>
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="who" data-testid="current-user">
            <span className="who-name">{user.displayName}</span>
            <span className="who-meta">
              <span className="who-username">{user.username}</span> · <span className="who-role">{roleLabel[user.role]}</span>
            </span>
          </div>
          <button type="button" className="button subtle" onClick={() => void onSignOut()}>
            Sign out
          </button>
        </div>
        {signOutError && (
          <div className="topbar-inner">
            <ErrorText>{signOutError}</ErrorText>
          </div>
        )}
      </header>
      <main className="content">
        {allowed && !allowed.includes(user.role) ? (
          <NotAvailable home={homeFor(user.role)}>
            <p>This page is for {allowed.map((r) => roleLabel[r].toLowerCase() + "s").join(" and ")}. Your account&apos;s role is {roleLabel[user.role]}.</p>
          </NotAvailable>
        ) : (
          children
        )}
      </main>
    </div>
  );
}
