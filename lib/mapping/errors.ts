/** The mapping cannot be used: names the mapping file and the JSON key path at fault. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  constructor(
    readonly source: string,
    /** JSON key path, e.g. `attributes.name.givenName`. */
    readonly key: string,
    readonly detail: string,
  ) {
    super(`${source}: ${key ? `${key}: ` : ''}${detail}`);
  }
}
