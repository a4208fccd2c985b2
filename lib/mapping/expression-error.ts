/** A defect in one expression, located by its 0-based character offset; the loader adds the key. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  constructor(
    readonly detail: string,
    /** 0-based offset into the expression text, or undefined when the whole expression is at fault. */
    readonly offset: number | undefined,
  ) {
    super(offset === undefined ? detail : `${detail} at offset ${offset} in expression`);
  }
}
