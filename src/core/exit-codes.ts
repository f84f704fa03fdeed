/** Exit codes are part of the CLI's contract with scripts; they are documented in README.md. */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  notFound: 3,
  permission: 4,
  unavailable: 5,
  quota: 6,
  /** A multi-key operation that stopped part way: some of it was done, and the error says which. */
  partial: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
