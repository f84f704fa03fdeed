// One autocannon run for bench/server.sh, through autocannon's API: that is the only way to send a
// different body on every request with a correct Content-Length (the CLI's -I/[<id>] replacement
// assumes ids of a fixed length, which they are not, and then stalls).
// Usage: node bench/server/load.mjs <autocannon package dir> <options JSON>
//   options: {url, connections, duration, method: "GET"|"PUT"|"POST", token?, idempotencyKey?: boolean,
//             ifAbsent?: boolean}
//   POST: an increment of the counter at `url` (no body: add 1).
//   ifAbsent (PUT): If-None-Match: * on a new key every request (the URL's last segment, then -<n>), so
//   every request creates a key and none is refused.
// Prints autocannon's result as JSON on stdout.
import { randomBytes, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";

const [dir, json] = process.argv.slice(2);
if (!dir || !json) {
  console.error("usage: node bench/server/load.mjs <autocannon package dir> <options JSON>");
  process.exit(2);
}
const options = JSON.parse(json);
const autocannon = createRequire(join(dir, "package.json"))(dir);

const headers = {};
if (options.token) headers.authorization = `Bearer ${options.token}`;

// PUT: a 64-byte value that differs on every request. SQLite does not rewrite a row whose bytes are
// unchanged, so a constant body would let the floor's upsert write nothing at all.
const tag = randomBytes(6).toString("hex");
let n = 0;
const value = () => Buffer.from(`value-${tag}-${String(n++).padStart(12, "0")}-`.padEnd(64, "x"));

const requests =
  options.method === "POST"
    ? [{ method: "POST" }]
    : options.method === "PUT"
      ? [
          {
            method: "PUT",
            setupRequest: (req) => {
              const h = { ...req.headers, "content-type": "application/octet-stream" };
              // The CLI's HTTP client sends a fresh Idempotency-Key with every write.
              if (options.idempotencyKey) h["idempotency-key"] = randomUUID();
              if (!options.ifAbsent) return { ...req, method: "PUT", headers: h, body: value() };
              h["if-none-match"] = "*";
              const body = value();
              return { ...req, method: "PUT", headers: h, body, path: `${req.path}-${tag}-${n}` };
            },
          },
        ]
      : [{ method: "GET" }];

const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.duration,
  headers,
  requests,
});
delete result.statusCodeStats;
process.stdout.write(`${JSON.stringify(result)}\n`);
