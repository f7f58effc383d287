"use client";

import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "./api";

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type PageLoader<T> = (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>;

/**
 * Cursor pagination as the API does it: the server hands back an opaque `nextCursor`; going back
 * means remembering the cursors of the pages already seen. A new `load` (new filters) starts
 * again from the first page.
 */
export function useCursorPages<T>(load: PageLoader<T>) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [loadedWith, setLoadedWith] = useState(() => load);
  const [page, setPage] = useState<Page<T> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);

  // Reset during render (not in an effect) so the fetch below never runs with a stale cursor.
  if (loadedWith !== load) {
    setLoadedWith(() => load);
    setCursors([null]);
  }
  const cursor = cursors[cursors.length - 1] ?? null;

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    load(cursor, controller.signal).then(
      (result) => {
        if (controller.signal.aborted) return;
        setPage(result);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [load, cursor, version]);

  const next = useCallback(() => {
    if (page?.nextCursor) setCursors((c) => [...c, page.nextCursor]);
  }, [page]);
  const previous = useCallback(() => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)), []);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);
  const update = useCallback((fn: (item: T) => T) => setPage((p) => (p ? { ...p, items: p.items.map(fn) } : p)), []);

  return {
    items: page?.items ?? [],
    loaded: page !== null,
    hasNext: Boolean(page?.nextCursor),
    hasPrevious: cursors.length > 1,
    pageNumber: cursors.length,
    loading,
    error,
    next,
    previous,
    refresh,
    update,
  };
}
