"use client";

import type { BuildView, EnvironmentView } from "@aula/contracts";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { PageHeader } from "../ui/page-header";
import { CleanupSection } from "./cleanup-section";
import styles from "./environments.module.css";
import { BUILD_STATUS_LABEL, buildStatusClass, formatMb, gpuLabel } from "./format";

/** POST /environments/{name}/builds answers 202 with the build (a new one, or the one it joined). */
interface RequestBuild {
  build: BuildView;
  joined: boolean;
}

function SizeCell({ env }: { env: EnvironmentView }) {
  if (!env.published) return <span className="muted">—</span>;
  const size = env.published.sizeMb;
  const target = env.targetSizeMb;
  if (size === null) {
    return <span className="muted">{target === null ? "size unknown" : `size unknown / ${formatMb(target)} target`}</span>;
  }
  return (
    <>
      <span className={styles.nowrap}>
        {formatMb(size)}
        {target !== null && <> / {formatMb(target)}</>}
      </span>
      {env.withinTarget === true && <div className={`small ${styles.within}`}>within target</div>}
      {env.withinTarget === false && <div className={`small ${styles.over}`}>over target</div>}
    </>
  );
}

function LastBuildCell({ env }: { env: EnvironmentView }) {
  const b = env.lastBuild;
  if (!b) return <span className="muted">never built</span>;
  return (
    <>
      <span className={`badge ${buildStatusClass(b.status)}`}>{BUILD_STATUS_LABEL[b.status]}</span>
      <div className="small">{formatDateTime(b.finishedAt ?? b.startedAt ?? b.createdAt)}</div>
      <Link href={`/admin/builds/${b.id}`} className="small" aria-label={`Build of ${env.name}: ${BUILD_STATUS_LABEL[b.status]}`}>
        details and log
      </Link>
    </>
  );
}

/** /admin/environments: every student image, what is published, and a way to rebuild it. */
export function EnvironmentsView() {
  const api = useApi();
  const router = useRouter();
  const [environments, setEnvironments] = useState<EnvironmentView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const response = await api.get<{ environments: EnvironmentView[] }>("/environments", signal);
        setEnvironments(response.environments);
        setError(null);
      } catch (e) {
        if (!signal?.aborted) setError(errorMessage(e));
      }
    },
    [api],
  );

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  const rebuild = async (env: EnvironmentView) => {
    if (!window.confirm(`Rebuild the "${env.name}" image? The build runs in the background; the new image is published only if it passes its smoke test.`)) return;
    setBusy(env.name);
    setError(null);
    try {
      const { build } = await api.send<RequestBuild>("POST", `/environments/${encodeURIComponent(env.name)}/builds`);
      router.push(`/admin/builds/${build.id}`);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(null);
    }
  };

  const nonePublished = environments !== null && environments.length > 0 && environments.every((e) => !e.published);

  return (
    <>
      <PageHeader title="Environments">
        <p>Each stage&apos;s student image: what is published, its size against the target, and its last build.</p>
      </PageHeader>
      <section className="card" aria-labelledby="env-list">
        <h2 id="env-list">Images</h2>
        {error && <ErrorText>{error}</ErrorText>}
        {environments === null ? (
          !error && <p className="muted">Loading…</p>
        ) : environments.length === 0 ? (
          <p>No environments are registered yet. The worker registers docker/environments/* when it starts.</p>
        ) : (
          <>
            {nonePublished && (
              <div className="notice notice-block" role="status">
                <p className="notice-title">Nothing is published yet</p>
                <p>No environment has a published image, so students cannot start servers. Rebuild one to publish it.</p>
              </div>
            )}
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Environment</th>
                    <th scope="col">Stage</th>
                    <th scope="col">GPU</th>
                    <th scope="col">Published image</th>
                    <th scope="col">Size / target</th>
                    <th scope="col">Last build</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {environments.map((env) => (
                    <tr key={env.name} aria-label={env.name}>
                      <td data-label="Environment">
                        <strong className="mono">{env.name}</strong>
                        <div className="small muted">{env.title}</div>
                      </td>
                      <td data-label="Stage">
                        {env.stage}
                        <div className="small muted">{env.weeks ? `weeks ${env.weeks}` : "no weeks yet"}</div>
                      </td>
                      <td data-label="GPU">
                        {env.gpu === "none" ? (
                          <span className="muted">none</span>
                        ) : (
                          <span className={`badge ${styles.nowrap} ${env.gpu === "required" ? "badge-gpu" : "badge-gpu-optional"}`}>{gpuLabel(env)}</span>
                        )}
                      </td>
                      <td data-label="Published image">
                        {env.published ? (
                          <>
                            <span className={`mono small ${styles.image}`}>{env.published.image}</span>
                            <div className="small muted">
                              {env.recipe ? `${env.recipe} recipe` : "recipe unknown"}
                              {env.published.at && <> · since {formatDateTime(env.published.at)}</>}
                            </div>
                          </>
                        ) : (
                          <span className="badge badge-preparing">not published yet</span>
                        )}
                      </td>
                      <td data-label="Size / target">
                        <SizeCell env={env} />
                      </td>
                      <td data-label="Last build">
                        <LastBuildCell env={env} />
                      </td>
                      <td className="actions-cell">
                        <div className="actions">
                          <button type="button" className="button small" disabled={busy !== null} onClick={() => void rebuild(env)} aria-label={`Rebuild ${env.name}`}>
                            {busy === env.name ? "Requesting…" : "Rebuild"}
                          </button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
      <CleanupSection />
    </>
  );
}
