// Writes the scale bench's import file: N entries as NDJSON, in key order (as `kv export` writes them).
//   - keys of 20–60 bytes under a few hundred prefixes: `sessions/` holds 20% of the keys (the prefix
//     `kv rm --prefix` removes), `orders/2026/` 2% (the prefix `kv ls --all` lists), and the rest are
//     spread over 300 prefixes such as `users/0042/` and `cache/page/017/`;
//   - values of 10 B–4 KiB, their sizes log-uniform (most are small, a few are large), text;
//   - one entry in 10 with a TTL (`expiration_ttl` of 1–30 days), one in 20 with metadata.
// The same N always writes the same file (a fixed linear congruential generator, no Math.random).
// Usage: node bench/scale/make-data.mjs <n> <file>
import { createWriteStream } from "node:fs";
import { once } from "node:events";

const [nText = "1000000", file = "scale.ndjson"] = process.argv.slice(2);
const n = Number(nText);

/** The prefixes and the share of keys each holds, in key order. */
function prefixes(total) {
  const kinds = ["cache/page/", "carts/", "feeds/", "flags/", "media/thumb/", "profiles/", "users/"];
  const spread = [];
  for (let i = 0; i < 300; i++) spread.push(`${kinds[i % kinds.length]}${String(Math.floor(i / kinds.length)).padStart(4, "0")}/`);
  const sessions = Math.round(total * 0.2);
  const orders = Math.round(total * 0.02);
  const rest = total - sessions - orders;
  const list = [
    { prefix: "orders/2026/", count: orders },
    { prefix: "sessions/", count: sessions },
    ...spread.map((prefix, i) => ({ prefix, count: Math.floor(rest / spread.length) + (i < rest % spread.length ? 1 : 0) })),
  ];
  return list.sort((a, b) => Buffer.compare(Buffer.from(a.prefix), Buffer.from(b.prefix)));
}

let seed = 0x2545f491;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
};
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const filler = "lorem-ipsum-dolor-sit-amet-".repeat(160);

const out = createWriteStream(file);
let written = 0;
for (const { prefix, count } of prefixes(n)) {
  for (let i = 0; i < count; i++) {
    // A zero-padded counter keeps key order; a random tail brings the key to 20–60 bytes.
    const head = `${prefix}${String(i).padStart(7, "0")}-`;
    const length = 20 + Math.floor(random() * 41);
    let tail = "";
    while (head.length + tail.length < length) tail += ALPHABET[Math.floor(random() * ALPHABET.length)];
    const key = (head + tail).slice(0, Math.max(length, head.length + 1));
    const size = Math.round(10 * Math.exp(random() * Math.log(4096 / 10)));
    const start = Math.floor(random() * 64);
    const entry = { key, value: `${written}:${filler.slice(start, start + size)}`.slice(0, size) };
    if (written % 10 === 3) entry.expiration_ttl = 86_400 * (1 + Math.floor(random() * 30));
    if (written % 20 === 7) entry.metadata = { owner: "web", n: written };
    written++;
    if (!out.write(`${JSON.stringify(entry)}\n`)) await once(out, "drain");
  }
}
out.end();
await once(out, "finish");
