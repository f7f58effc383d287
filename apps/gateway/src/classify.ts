/** `/api`, `/api/…`, `/api?…` and `/metrics` belong to the api; `/apiary` does not. */
export function isApiPath(url: string): boolean {
  return hasPrefix(url, "/api") || hasPrefix(url, "/metrics");
}

function hasPrefix(url: string, prefix: string): boolean {
  if (!url.startsWith(prefix)) return false;
  if (url.length === prefix.length) return true;
  const next = url.charCodeAt(prefix.length);
  return next === 47 /* / */ || next === 63 /* ? */;
}
