import Link from "next/link";
import type { ReactNode } from "react";

/** The shell's answer to a page this account may not open; `children` says why. */
export function NotAvailable({ home, children }: { home: string; children: ReactNode }) {
  return (
    <section className="card">
      <h1>Not available to your account</h1>
      {children}
      <p>
        <Link href={home}>Go to your home page</Link>
      </p>
    </section>
  );
}
