"use client";

import { useState, type ReactNode } from "react";

/**
 * A password the API returns exactly once. It stays on screen until dismissed, with a copy button,
 * because there is no way to see it again.
 */
export function SecretNotice({ title, secret, onDismiss, children }: { title: string; secret: string; onDismiss: () => void; children?: ReactNode }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      // Clipboard access needs a secure context (https or localhost); the text stays selectable.
      setCopied(false);
    }
  }
  return (
    <div className="secret" role="status">
      <p className="secret-title">{title}</p>
      <div className="secret-row">
        <code className="secret-value" data-testid="secret-value">
          {secret}
        </code>
        <button type="button" className="button small" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" className="button small subtle" onClick={onDismiss}>
          Done
        </button>
      </div>
      <p className="small">{children ?? "It is shown only once: copy it now and hand it over privately."}</p>
    </div>
  );
}
