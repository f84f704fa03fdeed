/** The KV browser's entry: the whole page is one Preact tree in #app. */
import { render } from "preact";
import { openSession } from "./api.js";
import { App } from "./app.js";
import { readDescription } from "./early-start.js";
import { earlyPageArrived } from "./first-page.js";

/** How long the first render waits for the first page of keys early.js asked for (usually answered already). */
const FIRST_PAGE_WAIT_MS = 100;

// The session (its CSRF token, which only changes need) is asked for as the script runs; what the page
// shows, it knows from the description the host put in the document, so it renders as soon as the
// first page of keys is here, the key list taking it. A document without it waits for the session's.
const opening = openSession();
await earlyPageArrived(FIRST_PAGE_WAIT_MS);
render(<App described={readDescription()} opening={opening} />, document.getElementById("app")!);
