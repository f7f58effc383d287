import type { ReactNode } from "react";

/** An error as a sentence, announced to screen readers when it appears. */
export function ErrorText({ children }: { children: ReactNode }) {
  return (
    <p className="error" role="alert">
      {children}
    </p>
  );
}
