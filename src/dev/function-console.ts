import { Console } from "node:console";
import { Writable } from "node:stream";

/** Which of a function's console methods wrote: log, info and debug are "log"; warn, error and trace "error". */
export type ConsoleLevel = "log" | "error";

/**
 * The console a function sees. What a function logs is for the person running the server, so it
 * goes where the server's log goes, one call at a time (stderr; under --json one JSON line each),
 * never to stdout, whose first line under --json is the server's own.
 */
export function functionConsole(write: (level: ConsoleLevel, text: string) => void): Console {
  const stream = (level: ConsoleLevel) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        write(level, chunk.toString("utf8").replace(/\n$/, ""));
        done();
      },
    });
  return new Console({ stdout: stream("log"), stderr: stream("error"), colorMode: false });
}
