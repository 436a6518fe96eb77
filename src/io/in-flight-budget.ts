/**
 * The bundle bytes all requests together may hold at once (`maxInFlightBytes`): past it
 * new bytes are refused, so a flood of large bundles gets 503s instead of exhausting memory.
 */
export class InFlightBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes `bytes` if they fit; false (taking nothing) if not. */
  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
