import { KvError } from "./errors.js";

/**
 * The catalogue's entries for choosing a target (a profile, a token, a site) and for reaching the
 * platform API there. The codes and their exit codes are in errors.ts; the texts say what to send or
 * set, and the CLI names its flags and commands for it (src/cli/advice.ts).
 */
export const remoteErrors = {
  apiUrlNotUrl: (url: string) => new KvError("USAGE", `The API URL "${url}" is not a URL.`, "Give a URL such as http://127.0.0.1:8787."),
  apiUnreachable: (apiUrl: string, why: string) =>
    new KvError("UNAVAILABLE", `Cannot reach the platform API at ${apiUrl}: ${why}.`, "Check the API URL and your network, or start the local emulator."),
  /** A gateway or proxy in front of the API answered with trouble of its own: worth retrying. */
  apiInTrouble: (apiUrl: string, status: number, body: string) =>
    new KvError("UNAVAILABLE", `The platform API at ${apiUrl} answered HTTP ${status} (${body}).`, "The platform is having trouble; try again shortly."),
  /** `whoami` is the route every platform API answers with JSON. */
  notPlatformApi: (apiUrl: string, what: string, whoami: string) =>
    new KvError(
      "NOT_PLATFORM_API",
      `The URL ${apiUrl} did not answer as the platform API: ${what}.`,
      `Check the API URL: it must be the API's base URL, where GET ${whoami} answers JSON.`,
    ),
  exportIncomplete: (apiUrl: string, why: string) =>
    new KvError(
      "UNAVAILABLE",
      `The export from the platform API at ${apiUrl} did not complete: ${why}.`,
      "Run the export again: an export to a file replaces it only once complete.",
    ),

  noToken: (apiUrl: string) =>
    new KvError(
      "UNAUTHENTICATED",
      `No token for the platform API at ${apiUrl}.`,
      "Log in, or give a token (YOURSPACE_TOKEN); or use the embedded emulator instead.",
    ),
  tokenNotSendable: () =>
    new KvError(
      "USAGE",
      "The token holds a space, a line break or another character that an HTTP header cannot carry, so it was not sent.",
      "Copy the token again, without anything around it.",
    ),
  /** `known`: which profiles there are, and the one meant, if one is close. */
  profileUnknown: (name: string, chosenBy: string, known: string) =>
    new KvError("NOT_FOUND", `There is no profile "${name}" (chosen by ${chosenBy}).`, `${known} Log in under that name to create it.`),
  /** `problem`: what is wrong with the file, in words that finish "is damaged: …". */
  userConfigDamaged: (path: string, problem: string) =>
    new KvError("USAGE", `The config file ${path} is damaged: ${problem}.`, "Fix it, or remove it and log in again."),
  profileMissing: (name: string) => new KvError("NOT_FOUND", `There is no profile ${name}.`, "Log in under that name to create it."),
  /** `other`: a stored profile whose token is for `apiUrl`, if there is one. */
  tokenForOtherUrl: (profile: string, storedFor: string, apiUrl: string, source: string, other: string | undefined) =>
    new KvError(
      "UNAUTHENTICATED",
      `The API URL ${apiUrl} (from ${source}) is not the one profile ${profile}'s token was stored for (${storedFor}); a stored token is sent only to its own URL.`,
      other === undefined
        ? `To use ${apiUrl}, log in there under a profile of its own, or give its token for this command alone; or use the embedded emulator.`
        : `Profile ${other} has a token for ${apiUrl}: use that profile.`,
    ),
  /** `known`: the sites there are, and the one meant, if one is close. */
  embeddedSiteUnknown: (site: string, chosenBy: string, where: string, known: string) =>
    new KvError(
      "NOT_FOUND",
      `There is no site "${site}" (from ${chosenBy}) in the embedded emulator at ${where}.`,
      `${known} A site is created with its first token.`,
    ),
};
