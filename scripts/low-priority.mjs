// Runs a command at the lowest CPU priority, for `npm test`'s lint lane. The lint and the suite run
// at once on a machine's cores; the suite takes longer, so its processes, not the lint's, should
// have a core whenever both want one. The lint then fills the time the suite leaves idle.
// Usage: node scripts/low-priority.mjs <command> [args...]
import { spawn } from "node:child_process";
import { constants, setPriority } from "node:os";

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: node scripts/low-priority.mjs <command> [args...]");
  process.exit(2);
}
// Children inherit it: the command and everything it starts.
setPriority(constants.priority.PRIORITY_LOW);
const child = spawn(command, args, { stdio: "inherit", shell: process.platform === "win32" });
child.on("error", (e) => {
  console.error(`could not run ${command}: ${e.message}`);
  process.exit(127);
});
child.on("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
