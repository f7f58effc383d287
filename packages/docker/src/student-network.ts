import type Dockerode from "dockerode";
import { isNotFound } from "./docker-util";

/**
 * The bridge network every student server joins. One per Docker daemon, shared by every Aula
 * deployment on it (like docker0): with inter-container traffic off, sharing lets no container
 * reach another, whichever deployment it belongs to, so nothing is gained by one per deployment
 * and the firewall would have to learn each bridge. It is never removed by Aula or its tests.
 */
export const STUDENT_NETWORK = "aula-students";
/**
 * The Linux interface of that network, fixed so `infra/scripts/firewall.sh` can hang its
 * AULA-STUDENTS chain on it before the network exists (interface names: at most 15 characters).
 */
export const STUDENT_BRIDGE = "aula-students";
export const LABEL_NETWORK = "aula.network";

const ICC = "com.docker.network.bridge.enable_icc";
const BRIDGE_NAME = "com.docker.network.bridge.name";

export class StudentNetworkError extends Error {
  override name = "StudentNetworkError";
  readonly code = "student_network_misconfigured";
}

export interface StudentNetworkInfo {
  id: string;
  name: string;
  created: boolean;
}

/**
 * Creates the student network when it is missing and checks an existing one: a network of that
 * name with inter-container traffic on, or on another interface, is refused rather than used,
 * since the firewall and the isolation both depend on those two settings. Safe to call from
 * several processes at once: Docker refuses a second bridge with the same interface name, and
 * the loser reads the winner's network.
 */
export async function ensureStudentNetwork(docker: Dockerode, opts: { name?: string; bridge?: string } = {}): Promise<StudentNetworkInfo> {
  const name = opts.name ?? STUDENT_NETWORK;
  const bridge = opts.bridge ?? STUDENT_BRIDGE;
  const existing = await inspectNetwork(docker, name);
  if (existing) return { ...checkNetwork(existing, bridge), created: false };
  try {
    const network = await docker.createNetwork({
      Name: name,
      Driver: "bridge",
      CheckDuplicate: true,
      Internal: false,
      Attachable: false,
      Labels: { [LABEL_NETWORK]: "students" },
      Options: { [ICC]: "false", [BRIDGE_NAME]: bridge },
    });
    return { id: network.id, name, created: true };
  } catch (error) {
    const raced = await inspectNetwork(docker, name);
    if (raced) return { ...checkNetwork(raced, bridge), created: false };
    throw error;
  }
}

async function inspectNetwork(docker: Dockerode, name: string): Promise<NetworkInspect | null> {
  try {
    const info: NetworkInspect = await docker.getNetwork(name).inspect();
    return info;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

interface NetworkInspect {
  Id: string;
  Name: string;
  Driver: string;
  Options?: Record<string, string> | null;
}

function checkNetwork(n: NetworkInspect, bridge: string): { id: string; name: string } {
  const options = n.Options ?? {};
  if (n.Driver !== "bridge" || options[ICC] !== "false" || options[BRIDGE_NAME] !== bridge) {
    throw new StudentNetworkError(
      `Docker network "${n.Name}" exists but is not Aula's student network (driver ${n.Driver}, ${ICC}=${options[ICC] ?? "unset"}, ${BRIDGE_NAME}=${options[BRIDGE_NAME] ?? "unset"}). ` +
        `Remove it (docker network rm ${n.Name}) once no container uses it; Aula recreates it with inter-container traffic off.`,
    );
  }
  return { id: n.Id, name: n.Name };
}
