/**
 * Hostile input for the fuzz suites: text the database cannot store (NUL, unpaired surrogates),
 * control characters, odd Unicode (combining marks, compatibility forms, direction overrides, BOM),
 * very long text, numbers out of every range, JSON nested past the limit, wrong types, and keys
 * that mean something to JavaScript objects.
 */
import fc from 'fast-check';

const char = (code: number) => String.fromCharCode(code);

/** One UTF-16 unit that is likely to upset something, or a plain one. */
const hostileUnit = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).map(char),
  fc.integer({ min: 0xd800, max: 0xdfff }).map(char),
  fc.constantFrom('\u007f', '\u0085', '\u00a0', '\u200b', '\u200d', '\u202e', '\u2028', '\ufeff', '\uffff'),
  fc.constantFrom('\u0301', '\u0308', 'ﬁ', '\u212b', 'Å', 'A\u030a', 'ｆｕｌｌ', '𝔘', '💥', '👩‍👩‍👧'),
  fc.constantFrom(
    '%',
    '%00',
    '%zz',
    '/',
    '\\',
    '"',
    "'",
    '.',
    '..',
    '-',
    '*',
    '$',
    '{',
    '[',
    '?',
    '#',
    '&',
    '=',
  ),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
);

/** Values chosen by hand: each has broken some server somewhere. */
const knownStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\udc00\ud800',
  '\u0001\u001f\u007f',
  'e\u0301',
  '\u00e9',
  '\u212b',
  '\u202egnp.exe',
  '\ufeffdefault',
  '-',
  '.',
  '..',
  '../../etc/passwd',
  '%00',
  '%2e%2e',
  "'; drop table jobs; --",
  '${jndi:x}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '1e999',
  'NaN',
  '-Infinity',
  '\r\nx-injected: 1',
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: knownStrings },
  { weight: 4, arbitrary: fc.string({ unit: hostileUnit, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 70_000, 300_000).map((n) => 'a'.repeat(n)) },
  // Past PostgreSQL's 2.7 KB cap on an index key even compressed, unlike a run of one letter.
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 3_000, maxLength: 3_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 70_000).map((n) => '\u0000'.repeat(n)) },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, 0, -0, 0.5, -0.5, 1e308, -1e308, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e21, 5e-324),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** JSON `depth` levels deep, alternating arrays and objects. */
export const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
};

/** Any JSON value, mostly hostile; keys include ones that mean something to JavaScript objects. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.constantFrom(null, true, false, [], {}),
    fc.constantFrom(60, 65, 200).map((depth) => nested(depth)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString')),
      tie('value'),
      { maxKeys: 3 },
    ),
  ),
})).value;

/**
 * Bodies that are not the JSON a route expects: cut short, not JSON, JSON with what JSON.stringify
 * never writes (numbers out of range, duplicate keys, a BOM), or too large.
 */
export const hostileRawBody: fc.Arbitrary<string | Buffer> = fc.constantFrom<string | Buffer>(
  '',
  '{',
  '{"a":',
  'nul\u0000l',
  'null',
  '[]',
  '"text"',
  '1e999',
  '{"name": 1e999, "source": -1e999}',
  '{"status": "active", "status": "paused"}',
  '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
  '\ufeff{}',
  '{"a": "\\ud800"}',
  '{"a": "\\u0000"}',
  '{"a": "\\x00"}',
  `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d]),
  ' '.repeat(2 * 1024 * 1024),
);

/** A path segment as sent on the wire: hostile text percent-encoded, or encodings that are themselves wrong. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  // Mostly short: a request line over 16 KiB never reaches the gateway (Node answers 431).
  { weight: 6, arbitrary: hostileString.map(percentEncode).filter((s) => s.length < 12_000) },
  { weight: 1, arbitrary: fc.constant('a'.repeat(20_000)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '%00',
      '%',
      '%zz',
      '%C0%80',
      '%ED%A0%80',
      '%FF',
      '%2F',
      '%252F',
      '%2e%2e',
      '-',
      '%20',
    ),
  },
);

/**
 * Percent-encodes every byte outside the unreserved set; an unpaired surrogate becomes the bytes
 * of its code point (as CESU-8 would write it: not valid UTF-8), which encodeURIComponent refuses to do.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const unit of text) {
    const code = unit.codePointAt(0)!;
    const bytes =
      code >= 0xd800 && code <= 0xdfff
        ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        : [...Buffer.from(unit, 'utf8')];
    out += /^[A-Za-z0-9_.~-]$/.test(unit)
      ? unit
      : bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}
