import type { ReactNode } from "react";

/**
 * A page whose API does not exist yet. It says so plainly: a portal that shows invented numbers
 * is worse than one that shows none.
 */
export function NotBuilt({ children }: { children: ReactNode }) {
  return (
    <div className="notice" role="status">
      <p className="notice-title">Not built yet</p>
      {children}
    </div>
  );
}
