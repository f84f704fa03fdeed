import { HEADERS } from "../contract/index.js";
import { createReadStream, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { Readable } from "node:stream";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
};

/**
 * A file of the public directory for a path, or null: "/" and directories serve their index.html.
 * Nothing outside the directory is ever served (".." and encoded tricks included).
 */
export function staticFile(publicDir: string, pathname: string, method: string): Response | null {
  if (method !== "GET" && method !== "HEAD") return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const root = normalize(publicDir + sep);
  let path = normalize(join(root, decoded));
  if (!path.startsWith(root) && path !== normalize(publicDir)) return null;
  let stats = statOf(path);
  if (stats?.isDirectory()) {
    path = join(path, "index.html");
    stats = statOf(path);
  }
  if (!stats?.isFile()) return null;
  const headers = { [HEADERS.contentType]: TYPES[extname(path).toLowerCase()] ?? "application/octet-stream", [HEADERS.contentLength]: String(stats.size) };
  if (method === "HEAD") return new Response(null, { headers });
  return new Response(Readable.toWeb(createReadStream(path)) as ReadableStream, { headers });
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
