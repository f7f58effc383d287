import type Dockerode from "dockerode";
import { imageExists } from "./docker-util";

export type RecipeKind = "online" | "offline";
export type RecipePreference = RecipeKind | "auto";

/** The seed's base for weeks 1-6; having it means this machine could reach Docker Hub. */
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
  /** "auto" decides from the local image store; "online"/"offline" is an operator's decision. */
  prefer?: RecipePreference;
}

/**
 * Decides which recipe this machine can build, without touching the network: Aula never pulls
 * during setup, and a probe of Docker Hub from a machine that cannot reach it is traffic nobody
 * asked for. The online recipes need the seed's base image and PyPI; an operator whose machine
 * has them pulls the base once (`docker pull python:3.11-slim-bookworm`) or sets
 * AULA_IMAGE_RECIPE=online, and the online recipe is used from then on.
 */
export async function chooseRecipe({ docker, onlineBase = DEFAULT_ONLINE_BASE, prefer = "auto" }: ChooseRecipeOptions): Promise<RecipeChoice> {
  const present = (await imageExists(docker, onlineBase)) !== null;
  if (prefer !== "auto") {
    return {
      recipe: prefer,
      reason: `the ${prefer} recipe was chosen by configuration (AULA_IMAGE_RECIPE=${prefer})`,
      onlineBase,
      onlineBasePresent: present,
      registryReachable: null,
    };
  }
  if (present) {
    return {
      recipe: "online",
      reason: `${onlineBase} is in the local image store, so the seed's own recipe is used (it installs from PyPI)`,
      onlineBase,
      onlineBasePresent: true,
      registryReachable: null,
    };
  }
  return {
    recipe: "offline",
    reason: `${onlineBase} is not in the local image store, so the offline Debian recipe is used; to use the seed's recipe, pull that image or set AULA_IMAGE_RECIPE=online`,
    onlineBase,
    onlineBasePresent: false,
    registryReachable: null,
  };
}
