// How the benchmarks and the browser tests start Debian's Chromium through playwright-core: headless,
// as root, and with nothing that reaches the network (this machine's closed network refuses it, many
// connections at a time, and Chromium looks up Google's hosts at every start otherwise).
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
