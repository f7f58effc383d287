import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { chooseRecipe } from "./recipe";

const docker = new Docker();

describe("chooseRecipe", () => {
  it("follows an operator's explicit choice without probing", async () => {
    const choice = await chooseRecipe({ docker, prefer: "offline" });
    expect(choice).toMatchObject({ recipe: "offline", registryReachable: null });
    expect(choice.reason).toMatch(/AULA_IMAGE_RECIPE=offline/);
  });

  it("picks the recipe this machine can build and says why in a sentence", async () => {
    const choice = await chooseRecipe({ docker, timeoutMs: 5000 });
    if (choice.registryReachable) {
      expect(choice.recipe).toBe("online");
    } else {
      expect(choice.recipe).toBe("offline");
      expect(choice.reason).toMatch(/^Docker Hub is unreachable from this machine.*so the offline Debian recipe is used/);
    }
  });
});
