export interface FieldError {
  /** JSON pointer (RFC 6901) into the event (or the array of events) given to `enqueue`. */
  pointer: string;
  detail: string;
}

/** An event `enqueue` refused: nothing of the call was written. Carries one entry per problem. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  readonly errors: FieldError[];

  constructor(message: string, errors: FieldError[]) {
    super(message);
    this.errors = errors;
  }
}
