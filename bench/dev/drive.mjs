// A fixed number of GETs against `yourspace dev`, for bench/dev-callgrind.sh: no timing, no
// autocannon, only node:http with keep-alive. A request whose connection the server closed meanwhile
// (its keep-alive timeout, under valgrind's slowness) is sent again; any answer but 200 stops the run.
// Usage: node bench/dev/drive.mjs <url> <requests> [connections, default 10]
import http from "node:http";

const [url, requests, connections] = process.argv.slice(2);
if (!url || !requests) {
  console.error("usage: node bench/dev/drive.mjs <url> <requests> [connections]");
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
  sent++;
  const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: "GET", agent }, (res) => {
    res.resume();
    res.on("end", () => {
      if (res.statusCode !== 200) {
        console.error(`bench/dev/drive.mjs: answered ${res.statusCode}`);
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
  req.end();
}
for (let c = 0; c < C; c++) one();
