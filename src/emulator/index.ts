/**
 * The emulator, as the rest of the program uses it: the HTTP server, the commands and the CLI import
 * from here and nowhere else in src/emulator/ (a dependency rule checks it). What is not exported
 * here is the emulator's own business.
 */
export { EmulatorCore } from "./emulator-core.js";
export { LocalBackend } from "./local-backend.js";
/** @public Part of the facade for the code that will construct a LocalBackend itself (the dev runner). */
export type { LocalBackendOptions } from "./local-backend.js";
export { GroupCommit } from "./store/group-commit.js";
export { STALE } from "./settings.js";
export { translateSqliteError, type Database } from "./store/sqlite.js";
export type { TokenInfo, TokenStore } from "./site/tokens.js";
export type { ConfigChange } from "./control.js";
export { routeAccess, bindingAccess } from "./site/access.js";
