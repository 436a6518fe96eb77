/** A command line the collector cannot run; exit code 2. */
export class UsageError extends Error {}
