// Accent stripping for building account names from HR names.

// Letters that are not a base letter plus a combining mark, so NFD leaves them alone.
const SPECIAL: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  ø: 'o',
  Ø: 'O',
  œ: 'oe',
  Œ: 'OE',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'Th',
  ı: 'i',
};
const SPECIAL_RE = /[ßẞæÆøØœŒłŁđĐðÐþÞı]/g;
// Only the combining-diacritics blocks used by Latin, Greek and Cyrillic: stripping every
// mark (\p{M}) would also remove Devanagari vowel signs or kana voicing, changing the name.
// eslint-disable-next-line no-misleading-character-class -- ranges of lone combining marks are exactly what is stripped
const ACCENTS_RE = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;

function slowStrip(s: string): string {
  return s
    .normalize('NFD')
    .replace(ACCENTS_RE, '')
    .replace(SPECIAL_RE, (ch) => SPECIAL[ch] ?? ch)
    .normalize('NFC');
}

// Latin-1 Supplement and Latin Extended-A/B, where nearly every HR name lives, precomputed
// once so the common case is a table read per character instead of three normalizations.
const TABLE_START = 0x80;
const TABLE_END = 0x250;
const TABLE: readonly string[] = Array.from({ length: TABLE_END - TABLE_START }, (_, i) => slowStrip(String.fromCharCode(TABLE_START + i)));

/** Removes accents (Zoë → Zoe) and spells out ß, æ, ø, œ, ł, đ, ð, þ, ı in ASCII; other scripts are kept. */
export function stripDiacritics(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < TABLE_START) continue;
    if (code >= TABLE_END) return slowStrip(s);
    out += s.slice(from, i) + (TABLE[code - TABLE_START] as string);
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}
