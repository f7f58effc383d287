import Docker from "dockerode";
import { ensureOfflineBase } from "./src/index";
const docker = new Docker();
const t = Date.now();
const r = await ensureOfflineBase({ docker, tag: "aula-base/debian:selftest", onProgress: (l) => { if (!l.startsWith("debootstrap: I: Retrieving") && !l.startsWith("debootstrap: I: Validating") && !l.startsWith("debootstrap: I: Extracting") && !l.startsWith("debootstrap: I: Unpacking") && !l.startsWith("debootstrap: I: Configuring")) console.log(l); } });
console.log("RESULT", r, Date.now() - t, "ms");
const again = await ensureOfflineBase({ docker, tag: "aula-base/debian:selftest", onProgress: (l) => console.log(l) });
console.log("AGAIN", again.created);
