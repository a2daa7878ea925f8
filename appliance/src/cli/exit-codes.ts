/** What `speaknode` exits with; scripts can rely on these. */
export const ExitCode = {
  ok: 0,
  /** The operation ran and something failed: a service did not get healthy, an upgrade rolled back, compose is invalid. */
  failed: 1,
  /** `doctor` found problems (each printed with its fix). */
  preflightFailed: 2,
  /** Bad command line (EX_USAGE). */
  usage: 64,
  /** The Docker Engine does not answer (EX_UNAVAILABLE). */
  engineUnavailable: 69,
  /** Not set up: no settings or secrets in the state directory; run `speaknode init` (EX_CONFIG). */
  notInitialized: 78,
  /** Cancelled with Ctrl-C (128 + SIGINT): the operation stopped before its next step; the next run repairs. */
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
