// Shell completion on a store of 100,000 keys, timed as the shell runs it: one bash process sources
// completions/yourspace.bash and, round after round, times (with $EPOCHREALTIME) `node -e 0` (the
// floor: Node starting and doing nothing) and the _yourspace function for several command lines.
// Usage: node bench/completion.mjs [rounds] [keys]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const rounds = Number(process.argv[2] ?? 30);
const count = Number(process.argv[3] ?? 100_000);
const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "bin/yourspace");
execFileSync(process.execPath, [join(root, "scripts/build.mjs")], { stdio: "inherit" });

const dir = mkdtempSync(join(tmpdir(), "yourspace-completion-bench-"));
try {
  // Keys at several levels: 90% flat under sessions/ (a level of 90,000), the rest under users/<n>/.
  const lines = [];
  for (let i = 0; i < count; i++) {
    const key =
      i % 10 === 0
        ? `users/${String(i % 5000).padStart(4, "0")}/profile-${i}`
        : `sessions/${((i * 2654435761) % 4294967296).toString(16).padStart(8, "0")}-${i}`;
    lines.push(JSON.stringify({ key, value: "v" }));
  }
  writeFileSync(join(dir, "keys.ndjson"), `${lines.join("\n")}\n`);
  const env = { ...process.env, YOURSPACE_DATA_DIR: join(dir, "data"), YOURSPACE_CONFIG_DIR: join(dir, "config") };
  execFileSync(bin, ["kv", "import", join(dir, "keys.ndjson"), "--quiet"], { env, cwd: dir, stdio: ["ignore", "ignore", "inherit"] });

  const cases = {
    "kv get <Tab> (the top level)": "yourspace kv get ",
    "kv get sessions/<Tab> (100 of 90,000)": "yourspace kv get sessions/",
    "kv get sessions/ab<Tab>": "yourspace kv get sessions/ab",
    "kv rm users/0042/<Tab>": "yourspace kv rm users/0042/",
    "kv get -n <Tab> (namespaces)": "yourspace kv get -n ",
    "kv em<Tab> (a command)": "yourspace kv em",
  };
  // COMP_WORDS need only name the program: the script passes COMP_LINE on.
  const script = `
source ${JSON.stringify(join(root, "completions/yourspace.bash"))}
# Wall time and CPU time (user + system, from bash's times, which counts every process it waited
# for: node, and the subshell _yourspace runs it in), in µs. CPU time moves less on a busy machine.
T=$(mktemp)
to_us() { local t=\${1%s} m sec; m=\${t%%m*}; sec=\${t#*m}; R=$(( m * 60000000 + 10#\${sec/./} * 1000 )); }
cpu_us() { local user sys; times >"$T"; { read -r _; read -r user sys; } <"$T"; to_us "$user"; local a=$R; to_us "$sys"; CPU=$(( a + R )); }
ms() { cpu_us; local c0=$CPU s=\${EPOCHREALTIME/./}; "$@" >/dev/null; local e=\${EPOCHREALTIME/./}; cpu_us; echo "$(( e - s )) $(( CPU - c0 ))"; }
tab() { COMP_WORDS=(${JSON.stringify(bin)}); COMP_CWORD=1; COMP_LINE="$1"; COMP_POINT=\${#1}; _yourspace; }
for ((r = 0; r < ${rounds}; r++)); do
  echo "floor $(ms node -e 0)"
${Object.entries(cases)
  .map(([, line], i) => `  echo "${i} $(ms tab ${JSON.stringify(line)})"`)
  .join("\n")}
done
tab ${JSON.stringify(cases["kv get sessions/<Tab> (100 of 90,000)"])}; echo "answer \${#COMPREPLY[@]} 0"
`;
  const out = execFileSync("bash", ["-c", script], { env, cwd: dir, encoding: "utf8" });
  const wall = new Map();
  const cpu = new Map();
  for (const line of out.trim().split("\n")) {
    const [name, w, c] = line.split(" ");
    if (!wall.has(name)) {
      wall.set(name, []);
      cpu.set(name, []);
    }
    wall.get(name).push(Number(w) / 1000);
    cpu.get(name).push(Number(c) / 1000);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = (name, key) => {
    const w = median(wall.get(key));
    const c = median(cpu.get(key));
    const fw = median(wall.get("floor"));
    const fc = median(cpu.get("floor"));
    const over = key === "floor" ? "" : `  (+${(w - fw).toFixed(1)} ms, ${(w / fw).toFixed(2)}x; CPU +${(c - fc).toFixed(1)} ms, ${(c / fc).toFixed(2)}x)`;
    console.log(`${name.padEnd(40)} wall ${w.toFixed(1)} ms  CPU ${c.toFixed(1)} ms${over}`);
  };
  console.log(`${count.toLocaleString("en-US")} keys, ${rounds} rounds, Node ${process.version}; medians`);
  row("node -e 0 (floor)", "floor");
  for (const [i, name] of Object.keys(cases).entries()) row(name, String(i));
  console.log(`values offered for sessions/: ${wall.get("answer")[0] * 1000}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
