export function Pager({
  pageNumber,
  hasPrevious,
  hasNext,
  loading,
  onPrevious,
  onNext,
  label,
}: {
  pageNumber: number;
  hasPrevious: boolean;
  hasNext: boolean;
  loading: boolean;
  onPrevious: () => void;
  onNext: () => void;
  label: string;
}) {
  if (!hasPrevious && !hasNext) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="button small" onClick={onPrevious} disabled={!hasPrevious || loading}>
        Previous page
      </button>
      <span className="muted">Page {pageNumber}</span>
      <button type="button" className="button small" onClick={onNext} disabled={!hasNext || loading}>
        Next page
      </button>
    </nav>
  );
}
