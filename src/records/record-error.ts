/** A bundle or record that cannot be accepted; becomes `400 Error: <message>`. */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordError';
  }

  /** Names the record (1-based position, and id where known) in front of the reason. */
  static at(index: number, id: string | undefined, reason: string): RecordError {
    return new RecordError(`record ${index + 1}${id ? ` (${id})` : ''}: ${reason}`);
  }
}
