// Writes completions/yourspace.bash and completions/_yourspace from the command registry.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadSrc } from "../bench/lib/load-src.mjs";

const { completionScript } = await loadSrc("src/cli/completion.ts");
const dir = new URL("../completions/", import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL("yourspace.bash", dir), completionScript("bash"));
writeFileSync(new URL("_yourspace", dir), completionScript("zsh"));
