// The public face of lib/mapping: load a mapping, bind it to a file, map rows.
export { loadMapping, loadMappingFile, parseMappingJson } from './load.js';
export { MappingError } from './errors.js';
export { stripDiacritics } from './diacritics.js';
export type { AttributeInfo, DeclaredType, ExprValue, MapProblem, MapResult, Mapping, RowMapper } from './types.js';
