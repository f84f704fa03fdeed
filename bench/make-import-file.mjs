// Writes an import file of N entries: short keys, values of 20–120 bytes, some metadata, one in 16
// binary (base64). Keys come in key order, as `kv export` writes them; --shuffled spreads them out.
// Usage: node bench/make-import-file.mjs <n> <file> [ndjson|json] [--shuffled]
import { createWriteStream } from "node:fs";
import { once } from "node:events";

const [n = "100000", file = "import.ndjson", format = "ndjson"] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const shuffled = process.argv.includes("--shuffled");
const out = createWriteStream(file);
const count = Number(n);
if (format === "json") out.write("[\n");
for (let i = 0; i < count; i++) {
  const key = shuffled ? `flags/${((i * 2654435761) % 4294967296).toString(36)}-${i}` : `flags/${String(i).padStart(8, "0")}`;
  const entry =
    i % 16 === 0
      ? { key, value: Buffer.from(Array.from({ length: 48 }, (_, j) => (i + j * 7) % 256)).toString("base64"), base64: true }
      : { key, value: `value-${i}-${"x".repeat(i % 100)}`, ...(i % 5 === 0 ? { metadata: { owner: "web", n: i } } : {}) };
  const line = JSON.stringify(entry);
  const text = format === "json" ? `${i ? ",\n" : ""}${line}` : `${line}\n`;
  if (!out.write(text)) await once(out, "drain");
}
if (format === "json") out.write("\n]\n");
out.end();
await once(out, "finish");
