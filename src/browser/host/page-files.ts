import { constants } from "node:fs";
import { open } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DESCRIPTION_PLACEHOLDER, type BrowserDescription } from "../../contract/browser-host.js";
import { HEADERS } from "../../contract/index.js";
import { browserErrors } from "../../core/browser-errors.js";
import { answer, refuse } from "./answers.js";

/** Where the built page is: dist/browser/, beside the bundle (dist/cli.cjs), or the repository's dist/ when run from source. */
export function defaultPageDir(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".ts") ? fileURLToPath(new URL("../../../dist/browser", import.meta.url)) : join(here, "..", "browser");
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * A name the page's files may have: letters, digits, '.', '_' and '-', not starting with a dot. Such a
 * name holds no separator (`/` or `\`), no `..`, no percent-escape and no NUL, so it names a file
 * directly in the page's directory and nothing else. Anything else is not looked up at all.
 */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** Files larger than this are not the page's (its whole bundle is far smaller). */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

/**
 * GET or HEAD of a file of the page: `name` is the path after the prefix ("" is index.html). The page's
 * document gets `description` (what the host describes itself as) in place of DESCRIPTION_PLACEHOLDER.
 * A file is read once and then served from memory: the page's files do not change while it is served,
 * and a first page opened at once should not wait on file reads.
 */
export function pageFiles(pageDir: string): (res: ServerResponse, name: string, shownPath: string, description: BrowserDescription) => Promise<void> {
  const read = new Map<string, Buffer>();
  return async (res, name, shownPath, description) => {
    const file = name === "" ? "index.html" : name;
    if (!FILE_NAME.test(file)) return refuse(res, browserErrors.notFound(shownPath), "text");
    const body = read.get(file) ?? (await readRegularFile(join(pageDir, file)));
    if (body === undefined) {
      return refuse(res, name === "" ? browserErrors.pageMissing(pageDir) : browserErrors.notFound(shownPath), "text");
    }
    read.set(file, body);
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
    answer(res, 200, { [HEADERS.contentType]: type }, file === "index.html" ? withDescription(body, description) : body);
  };
}

/** The document with the description put in, as an attribute's text: JSON, its markup characters escaped. */
function withDescription(html: Buffer, description: BrowserDescription): Buffer {
  const text = JSON.stringify(description).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return Buffer.from(html.toString("utf8").replace(DESCRIPTION_PLACEHOLDER, () => text));
}

/**
 * The bytes of a regular file, read through its own descriptor; undefined for anything else: no
 * such file, a directory, a device, a symbolic link (not followed: the page's files are its own).
 */
async function readRegularFile(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return undefined;
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => {});
  }
}
