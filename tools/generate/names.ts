// Name pools for a multinational workforce. The spellings are the point: diacritics,
// apostrophes, hyphens and particles are what break naive userName and email rules.
// Only letters whose ASCII folding docs/mapping.md documents (combining accents, Ł, Ø, ß, æ)
// are used, so the Email column agrees with the mapping's stripDiacritics userName.

export const FIRST_NAMES: readonly string[] = [
  'Zoë', 'Łukasz', 'François', 'Søren', 'José', 'Anne-Marie', 'Jean-Luc', 'Chloé', 'Renée', 'Björn',
  'Jürgen', 'Małgorzata', 'María', 'Siobhán', 'Seán', 'Niamh', 'Oluwaseun', 'Priya', 'Arjun', 'Mei',
  'Aisha', 'Fatima', 'Mohammed', 'Liam', 'Olivia', 'Noah', 'Emma', 'James', 'Sophie', 'Lucas',
  'Daan', 'Sanne', 'Lotte', 'Jesús', 'Inés', 'Íñigo', 'Álvaro', 'Raúl', 'Hélène', 'Gaëlle',
  'Noël', 'Thérèse', 'Dagmar', 'Jörg', 'Käthe', 'Grzegorz', 'Zdeněk', 'Tomáš', 'Mary-Kate', "D'Arcy",
  'Åsa', 'Oliver', 'Charlotte', 'Harry', 'Amelia', 'George', 'Isla', 'Jack', 'Thomas', 'Sarah',
  'Michael', 'Laura', 'David', 'Jennifer', 'Elizabeth', 'William', 'Kwame', 'Ngozi', 'Anaïs', 'Mathéo',
  'Leïla', 'Joël', 'Frédéric', 'Agnès', 'Stéphane', 'Signe', 'Pieter', 'Femke', 'Ruairí', 'Dorota',
];

export const LAST_NAMES: readonly string[] = [
  'Ørsted', 'Núñez', 'Müller', 'Dvořák', "O'Brien", "D'Angelo", 'Smith-Jones', 'García', 'Martínez', 'Fernández',
  'Gómez', 'Pérez', 'Dubois', 'Lefèvre', 'Moreau', 'Girard', 'Schröder', 'Weiß', 'Köhler', 'Schmidt',
  'Fischer', 'van der Berg', 'de Vries', 'Jansen', 'Bakker', 'Visser', 'de la Cruz', "O'Connor", 'McDonald', 'MacLeod',
  'Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Jørgensen', 'Søndergaard', 'Skovgård', 'Smith', 'Jones', 'Williams',
  'Brown', 'Taylor', 'Davies', 'Evans', 'Roberts', 'Patel', 'Khan', 'Singh', 'Nguyen', 'Chen',
  'Okafor', 'Adeyemi', 'Hernández', 'López', 'Miller', 'Wilson', 'Anderson', 'Martin', 'Lambert', 'Le Gall',
  'Saint-Pierre', 'Lévy', 'Öztürk', 'Çelik', 'Ó Briain', 'Lindqvist', 'Åberg', 'Bergström', 'Novák', 'Svoboda',
  'Ramírez', 'Castaño', 'Peña', 'Ibáñez', "N'Diaye", 'Rasmussen', 'Kjær', 'Hoffmann', 'Wagner', 'Lüdtke',
];

export const MIDDLE_NAMES: readonly string[] = [
  'James', 'Marie', 'Louise', 'Elizabeth', 'Alexander', 'José', 'María', 'Jan', 'Pieter', 'Anne',
  'Thérèse', 'Zoë', 'Edward', 'Grace', 'Søren', 'Élodie',
];

/** Names people go by when they have one; the HR system keeps it apart from the legal name. */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  Michael: ['Mike', 'Mick'], James: ['Jim', 'Jamie'], Jennifer: ['Jen', 'Jenny'], 'Małgorzata': ['Gosia'],
  Thomas: ['Tom'], Elizabeth: ['Liz', 'Beth'], William: ['Will', 'Bill'], 'José': ['Pepe'],
  Oluwaseun: ['Seun'], 'Zdeněk': ['Zdenda'], 'Łukasz': ['Luke'], 'Jean-Luc': ['JL'], David: ['Dave'],
  Charlotte: ['Lottie'], Harry: ['Haz'], 'Mary-Kate': ['MK'], Mohammed: ['Mo'], Sarah: ['Sally'],
  'Íñigo': ['Iñi'], Kwame: ['Kwa'], 'Frédéric': ['Fred'],
};

// NFD leaves these letters whole; the mapping's stripDiacritics documents the same foldings.
const FOLD: Readonly<Record<string, string>> = {
  'ł': 'l', 'Ł': 'L', 'ø': 'o', 'Ø': 'O', 'ß': 'ss', 'æ': 'ae', 'Æ': 'AE',
};

/** Folds to ASCII the way the mapping's `stripDiacritics` does: `Zoë Ørsted-Łukasz` → `Zoe Orsted-Lukasz`. */
export function stripDiacritics(s: string): string {
  return s.normalize('NFD').replace(/\p{M}+/gu, '').replace(/[łŁøØßæÆ]/g, (c) => FOLD[c] ?? c);
}

/** One name as it appears in an address: folded, lower case, only letters, digits and hyphens. */
export function emailPart(name: string): string {
  return stripDiacritics(name).toLowerCase().replace(/[^a-z0-9-]/g, '');
}

/** `first.last`, skipping a part that folds to nothing, as the sample mapping's userName does. */
export function emailLocalPart(first: string, last: string): string {
  return [emailPart(first), emailPart(last)].filter((p) => p !== '').join('.');
}
