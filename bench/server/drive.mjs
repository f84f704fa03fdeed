// A fixed number of requests against the emulator's API server (bench/server-callgrind.sh) or
// `yourspace dev` (bench/dev-callgrind.sh): no timing, no autocannon, only node:http with keep-alive.
// A request whose connection the server closed meanwhile (its keep-alive timeout, under valgrind's
// slowness) is sent again; an answer of 300 or more stops the run.
// Usage: node bench/server/drive.mjs <url> <token, or - for none> <put|incr|cond|get> <requests> [connections, default 10]
//   put: a 64-byte value, different every time; cond: the same with If-None-Match: * on a new key
//   every request (the URL, then -<pid>-<n>); incr: POST with no body (add 1); get: GET.
import http from "node:http";

const [url, token, kind, requests, connections] = process.argv.slice(2);
if (!url || !token || !["put", "incr", "cond", "get"].includes(kind) || !requests) {
  console.error("usage: node bench/server/drive.mjs <url> <token|-> <put|incr|cond|get> <requests> [connections]");
  process.exit(2);
}
const N = Number(requests);
const C = Number(connections ?? 10);
const agent = new http.Agent({ keepAlive: true, maxSockets: C });
const target = new URL(url);
let sent = 0;
let done = 0;

function one() {
  if (sent >= N) return;
  const i = sent++;
  const headers = token === "-" ? {} : { authorization: `Bearer ${token}` };
  let path = target.pathname;
  let body;
  if (kind === "put" || kind === "cond") {
    body = Buffer.from(`value-${String(i).padStart(12, "0")}-`.padEnd(64, "x"));
    headers["content-type"] = "application/octet-stream";
    headers["content-length"] = body.length;
    if (kind === "cond") {
      headers["if-none-match"] = "*";
      path += `-${process.pid}-${i}`;
    }
  }
  const req = http.request({ host: target.hostname, port: target.port, path, method: { incr: "POST", get: "GET" }[kind] ?? "PUT", headers, agent }, (res) => {
    res.resume();
    res.on("end", () => {
      if (res.statusCode >= 300) {
        console.error(`bench/server/drive.mjs: answered ${res.statusCode}`);
        process.exit(1);
      }
      if (++done === N) agent.destroy();
      else one();
    });
  });
  req.on("error", () => {
    sent--;
    setImmediate(one);
  });
  req.end(body);
}
for (let c = 0; c < C; c++) one();
