import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { OFFLINE_BASE_IMAGE } from "./offline-base";
import { chooseRecipe } from "./recipe";

const docker = new Docker();
const standIn = `aula-test/online-base-${randomBytes(4).toString("hex")}:latest`;

describe("chooseRecipe", () => {
  afterAll(async () => {
    await docker.getImage(standIn).remove().catch(() => {});
  });

  it("follows an operator's explicit choice", async () => {
    const choice = await chooseRecipe({ docker, prefer: "offline" });
    expect(choice.recipe).toBe("offline");
    expect(choice.reason).toMatch(/AULA_IMAGE_RECIPE=offline/);
  });

  it("uses the offline recipe when the seed's base is not in the local image store, and says how to change that", async () => {
    const choice = await chooseRecipe({ docker, onlineBase: `aula-test/absent-${randomBytes(4).toString("hex")}:latest` });
    expect(choice.recipe).toBe("offline");
    expect(choice.reason).toMatch(/is not in the local image store, so the offline Debian recipe is used; .*pull that image or set AULA_IMAGE_RECIPE=online/);
  });

  it("uses the seed's recipe once its base image is present", async () => {
    await docker.getImage(OFFLINE_BASE_IMAGE).tag({ repo: standIn.split(":")[0]!, tag: "latest" });
    const choice = await chooseRecipe({ docker, onlineBase: standIn });
    expect(choice).toMatchObject({ recipe: "online", onlineBasePresent: true });
  });
});
