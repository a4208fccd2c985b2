// CSV2SCIM sends every attribute its psd1 maps, whatever the cell holds: an empty cell goes as "",
// inside a complex attribute or a multi-valued entry too (it builds each object in full), and ""
// clears the attribute in Entra. hrsync by default leaves empty values out, which keeps what Entra
// has. So a mapping moved from CSV2SCIM keeps its empties, and moving changes nothing in the
// directory until the user chooses otherwise.
import type { MappingJson, Psd1Import } from './psd1-import.js';

const VALUE_KEYS = new Set(['$column', '$literal', '$expr']);
// Booleans can carry no "" and `$keepEmpty` is refused on them.
const ALWAYS_BOOLEAN = new Set(['primary']);

/** The imported mapping with `options.emptyValues: "send"` and `$keepEmpty` on every text attribute inside an object or list, as CSV2SCIM sent them. */
export function keepCsv2ScimEmpties(mapping: Psd1Import['mapping']): Psd1Import['mapping'] & { options: { emptyValues: 'send' } } {
  const attributes: { [key: string]: MappingJson } = {};
  for (const [key, value] of Object.entries(mapping.attributes)) {
    attributes[key] = isObject(value) && !isValueSpec(value) ? nested(value) : Array.isArray(value) ? value.map(nested) : value;
  }
  return { version: mapping.version, options: { emptyValues: 'send' }, attributes };
}

// Inside an object or entry: "send" alone would still drop the whole object when all of it is
// empty, where CSV2SCIM sent it with its "" values, so each text attribute keeps it.
function nested(value: MappingJson): MappingJson {
  if (Array.isArray(value)) return value.map(nested);
  if (!isObject(value)) return value;
  const out: { [key: string]: MappingJson } = {};
  for (const [key, v] of Object.entries(value)) out[key] = ALWAYS_BOOLEAN.has(key) ? v : leaf(v);
  return out;
}

function leaf(v: MappingJson): MappingJson {
  if (typeof v === 'string') return { $column: v, $keepEmpty: true };
  if (!isObject(v)) return v;
  if (!isValueSpec(v)) return nested(v);
  // A literal is never empty; a typed value (boolean, date) cannot be sent as "".
  if ('$literal' in v || (v.$type !== undefined && v.$type !== 'string')) return v;
  return { ...v, $keepEmpty: true };
}

function isObject(v: MappingJson): v is { [key: string]: MappingJson } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isValueSpec(v: { [key: string]: MappingJson }): boolean {
  return Object.keys(v).some((k) => VALUE_KEYS.has(k));
}
