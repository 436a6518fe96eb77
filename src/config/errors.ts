/**
 * A configuration problem that must stop start-up. The message names the key (or environment
 * variable, or file) and the bad value, never a password; one line per problem.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : [...problems];
    super(list.join('\n'));
    this.name = 'ConfigError';
    this.problems = list;
  }
}
