import type { ReactNode } from "react";
import { Shell } from "../../components/shell/shell";

// Every page but /login: the shell checks the session and the role before rendering the page.
export default function ShellLayout({ children }: { children: ReactNode }) {
  return <Shell>{children}</Shell>;
}
