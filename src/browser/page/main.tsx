/** The KV browser's entry: the whole page is one Preact tree in #app. */
import { render } from "preact";
import { App } from "./app.js";

render(<App />, document.getElementById("app")!);
