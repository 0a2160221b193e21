/**
 * Base class of every error shoal throws on purpose. `code` is stable across
 * releases and is what callers should switch on; the message is for humans.
 */
export class ShoalError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
