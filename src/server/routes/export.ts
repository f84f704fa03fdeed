import { once } from "node:events";
import { HEADERS, MEDIA, QUERY } from "../../contract/index.js";
import type { Resource } from "../pipeline.js";

/** A streaming export: one JSON entry per line, written page by page as the client reads. */
export const exportStream = {
  "GET export": {
    action: "read",
    handle: async ({ kv, params, query }, res): Promise<"streamed"> => {
      const pages = kv.exportLines(params.ns!, { prefix: query.get(QUERY.prefix) ?? "" })[Symbol.asyncIterator]();
      // The first page is read before answering, so a missing namespace is still a clean 404.
      let page = await pages.next();
      res.writeHead(200, { [HEADERS.contentType]: MEDIA.export });
      for (; !page.done; page = await pages.next()) {
        if (!res.write(page.value.text)) await once(res, "drain");
        if (res.destroyed) return "streamed";
      }
      res.end();
      return "streamed";
    },
  },
} satisfies Resource;
