import { HEADERS } from "../contract/index.js";
import type { KvError } from "../core/errors.js";

/**
 * The answer to a request the runner could not serve: a function that threw (FUNCTION_ERROR, with
 * its source-mapped stack), an unknown region, a function that never built. A browser gets a page to
 * read; anything else, the JSON every yourspace error has ({ error: { code, message, hint } }).
 */
export function errorResponse(error: KvError, status: number, accept: string | null, stack?: string): Response {
  const body = {
    code: error.code,
    message: error.message,
    hint: error.hint ?? null,
    ...(error.details && { details: error.details }),
    ...(stack && { stack }),
  };
  if (accept?.includes("text/html")) {
    const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(error.code)} — yourspace dev</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}pre{background:#f6f6f6;padding:1rem;overflow:auto}.code{color:#b00}</style></head>
<body><h1><span class="code">${escapeHtml(error.code)}</span> ${status}</h1>
<p>${escapeHtml(error.message)}</p>
${error.hint ? `<p><strong>What to do:</strong> ${escapeHtml(error.hint)}</p>` : ""}
${stack ? `<pre>${escapeHtml(stack)}</pre>` : ""}
<p><small>Served by yourspace dev; this page is never what the platform shows your visitors.</small></p></body></html>
`;
    return new Response(page, { status, headers: { [HEADERS.contentType]: "text/html; charset=utf-8" } });
  }
  return Response.json({ error: body }, { status });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
