/** The KV browser's entry: the whole page is one Preact tree in #app. */
import { render } from "preact";
import { openSession } from "./api.js";
import { App } from "./app.js";
import { readDescription } from "./early-start.js";

// The session (its CSRF token, which only changes need) is asked for as the script runs; what the page
// shows, it knows from the description the host put in the document, so it renders at once, the key
// list taking the first page early.js asked for. A document without it waits for the session's.
const opening = openSession();
render(<App described={readDescription()} opening={opening} />, document.getElementById("app")!);
