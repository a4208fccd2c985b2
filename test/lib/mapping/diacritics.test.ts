import { describe, expect, test } from 'vitest';
import { stripDiacritics } from '../../../lib/mapping/index.js';

describe('stripDiacritics', () => {
  test.each([
    ['Zoë Ørsted-Łukasz', 'Zoe Orsted-Lukasz'],
    ['Ñúñez', 'Nunez'],
    ['Straße', 'Strasse'],
    ['ẞ', 'SS'],
    ['Æsa Œuvre', 'AEsa OEuvre'],
    ['Đorđe Þórsson', 'Dorde Thorsson'],
    ['İstanbul ılık', 'Istanbul ilik'],
    ['Zoe\u0308', 'Zoe'],
    ['Ana-María O\u2019Connor', 'Ana-Maria O\u2019Connor'],
    ['plain ascii', 'plain ascii'],
  ])('%s → %s', (input, expected) => {
    expect(stripDiacritics(input)).toBe(expected);
  });

  test('other scripts keep their marks', () => {
    expect(stripDiacritics('हिन्दी')).toBe('हिन्दी');
    expect(stripDiacritics('ガギ')).toBe('ガギ');
  });

  test('Greek and Cyrillic lose their accents', () => {
    expect(stripDiacritics('Ελένη')).toBe('Ελενη');
    expect(stripDiacritics('Йосиф')).toBe('Иосиф');
  });
});
