/** The KV browser's entry: the whole page is one Preact tree in #app. */
import { render } from "preact";
import { openSession } from "./api.js";
import { App } from "./app.js";
import { parsePlace } from "./deep-link.js";
import { requestFirstPageEarly } from "./first-page.js";

// Asked for as the script runs, before anything renders: the session, and with it the first page of
// the namespace the URL names, which is what the user opened the page to see.
const opening = openSession().then((session) => {
  const place = parsePlace(location.hash);
  requestFirstPageEarly(session.site, place.ns, place.prefix);
  return session;
});

render(<App opening={opening} />, document.getElementById("app")!);
