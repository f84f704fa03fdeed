/** Exit codes are part of the CLI's contract with scripts; they are documented in README.md. */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  notFound: 3,
  permission: 4,
  unavailable: 5,
  quota: 6,
  /** A conditional write or an increment that home refused as the key stands: nothing was written. */
  conditionFailed: 7,
  /** A multi-key operation that stopped part way: some of it was done, and the error says which. */
  partial: 8,
  /** Stopped by SIGINT (Ctrl-C): 128 + 2, as a shell reports a process the signal ended. */
  interrupted: 130,
  /** Stopped by SIGTERM: 128 + 15. */
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
