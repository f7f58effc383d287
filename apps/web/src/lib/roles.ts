import type { RoleName } from "@aula/contracts";

export interface NavItem {
  href: string;
  label: string;
}

const navByRole: Record<RoleName, NavItem[]> = {
  student: [
    { href: "/dashboard", label: "Dashboard" },
    { href: "/account", label: "Account" },
  ],
  instructor: [
    { href: "/courses", label: "Courses" },
    { href: "/account", label: "Account" },
  ],
  admin: [
    { href: "/admin", label: "Overview" },
    { href: "/admin/users", label: "Users" },
    { href: "/courses", label: "Courses" },
    { href: "/admin/environments", label: "Environments" },
    { href: "/admin/gpus", label: "GPUs" },
    { href: "/admin/audit", label: "Audit log" },
    { href: "/account", label: "Account" },
  ],
};

export const roleLabel: Record<RoleName, string> = {
  admin: "Administrator",
  instructor: "Instructor",
  student: "Student",
};

export function navFor(role: RoleName): NavItem[] {
  return navByRole[role];
}

export function homeFor(role: RoleName): string {
  return navByRole[role][0]?.href ?? "/account";
}

/** Which roles may open a path of the shell; paths not listed are open to every signed-in user. */
export function rolesAllowedAt(pathname: string): readonly RoleName[] | null {
  if (pathname === "/admin" || pathname.startsWith("/admin/")) return ["admin"];
  if (pathname === "/courses" || pathname.startsWith("/courses/")) return ["instructor", "admin"];
  return null;
}

/** The nav item a path belongs to: the longest href that is the path or a parent of it. */
export function activeHref(items: NavItem[], pathname: string): string | null {
  let best: string | null = null;
  for (const item of items) {
    const matches = pathname === item.href || pathname.startsWith(`${item.href}/`);
    if (matches && (best === null || item.href.length > best.length)) best = item.href;
  }
  return best;
}
