// Servers for bench/dev.mjs as process groups: started in a group of their own (wrangler runs Node
// and two workerd processes; `yourspace dev` may run more than one too), so the CPU time of every
// process a side runs can be summed, and the whole group stopped at the end.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on every Linux built for a PC). */
export const TICKS_PER_SECOND = 100;

/**
 * Starts `command` in a process group of its own, optionally pinned to CPUs (taskset, inherited by
 * its children). Resolves once `ready(line)` answers something for a line of its stdout or stderr,
 * with that answer; rejects if it exits first, with the output it printed.
 */
export function startGroup({ command, args, cwd, env, cpus, ready }) {
  const [file, argv] = cpus === undefined ? [command, args] : ["taskset", ["-c", cpus, command, ...args]];
  const child = spawn(file, argv, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise((done) => child.once("exit", done));
  const lines = [];
  const listeners = new Set();
  const onText = (stream) => {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop();
      for (const line of parts) {
        lines.push(line);
        for (const listener of listeners) listener(line);
      }
    });
  };
  onText(child.stdout);
  onText(child.stderr);
  const group = {
    pid: child.pid,
    output: () => lines.join("\n"),
    /** The first line from now on for which `test(line)` answers something, and that answer. */
    next(test) {
      return new Promise((found, fail) => {
        const listener = (line) => {
          const answer = test(line);
          if (answer !== undefined && answer !== null && answer !== false) {
            listeners.delete(listener);
            found(answer);
          }
        };
        listeners.add(listener);
        exited.then(() => {
          listeners.delete(listener);
          fail(new Error(`${command} exited; its output:\n${group.output()}`));
        });
      });
    },
    /** SIGTERM to the whole group, then SIGKILL to what is left once the leader is gone. */
    async stop() {
      signalGroup(child.pid, "SIGTERM");
      await exited;
      killGroup(child.pid);
    },
  };
  return group.next(ready).then((readyAnswer) => ({ ...group, ready: readyAnswer }));
}

/** SIGKILL to what is left of a group (synchronous, so it can run as the process exits). */
export function killGroup(pgid) {
  signalGroup(pgid, "SIGKILL");
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if (error.code !== "ESRCH") throw error;
  }
}

/** User + system CPU ticks of every live process in the group (its threads included). */
export function groupTicks(pgid) {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // it exited while we looked
    }
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) !== pgid) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

/** A TCP port free right now on 127.0.0.1, for servers that cannot be told to take any free one. */
export function freePort() {
  return new Promise((found, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => found(port));
    });
  });
}
