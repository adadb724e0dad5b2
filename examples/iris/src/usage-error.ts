/** A mistake in the command line: `iris` prints it with a hint and exits with code 2. */
export class UsageError extends Error {}
