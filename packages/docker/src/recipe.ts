import type Dockerode from "dockerode";
import { imageExists } from "./docker-util";

export type RecipeKind = "online" | "offline";
export type RecipePreference = RecipeKind | "auto";

/** The seed's base for weeks 1-6; reaching it means Docker Hub (and so PyPI) is reachable. */
export const DEFAULT_ONLINE_BASE = "python:3.11-slim-bookworm";

export interface RecipeChoice {
  recipe: RecipeKind;
  /** A sentence for `./aula doctor` and build logs. */
  reason: string;
  onlineBase: string;
  onlineBasePresent: boolean;
  registryReachable: boolean | null;
}

export interface ChooseRecipeOptions {
  docker: Dockerode;
  onlineBase?: string;
  /** "auto" probes; "online"/"offline" is an operator's decision and skips the probe. */
  prefer?: RecipePreference;
  /** Upper bound for the registry probe. */
  timeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function firstLine(error: unknown): string {
  const e = error as { json?: { message?: string }; message?: string };
  const text = e.json?.message ?? e.message ?? String(error);
  return text.split("\n")[0]!.slice(0, 200);
}

/**
 * Decides which recipe this machine can build. The probe asks the daemon for the online base's
 * registry manifest (GET /distribution/<ref>/json): it downloads no layers, and fails within
 * milliseconds where DNS has no answer, so it is bounded by `timeoutMs` only on slow networks.
 * A locally present base alone is not enough: the online recipes also install from PyPI.
 */
export async function chooseRecipe({ docker, onlineBase = DEFAULT_ONLINE_BASE, prefer = "auto", timeoutMs = 5000 }: ChooseRecipeOptions): Promise<RecipeChoice> {
  const present = (await imageExists(docker, onlineBase)) !== null;
  if (prefer !== "auto") {
    return {
      recipe: prefer,
      reason: `the ${prefer} recipe was chosen by configuration (AULA_IMAGE_RECIPE=${prefer}); the registry was not probed`,
      onlineBase,
      onlineBasePresent: present,
      registryReachable: null,
    };
  }
  try {
    await withTimeout(docker.getImage(onlineBase).distribution(), timeoutMs, "the registry");
    return {
      recipe: "online",
      reason: `the daemon can reach the registry for ${onlineBase}, so the online recipe (the seed's Dockerfile) is used`,
      onlineBase,
      onlineBasePresent: present,
      registryReachable: true,
    };
  } catch (error) {
    const local = present ? ` (${onlineBase} is present locally, but its recipe also needs PyPI)` : "";
    return {
      recipe: "offline",
      reason: `Docker Hub is unreachable from this machine${local}, so the offline Debian recipe is used; the probe said: ${firstLine(error)}`,
      onlineBase,
      onlineBasePresent: present,
      registryReachable: false,
    };
  }
}
