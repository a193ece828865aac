/**
 * Timestamps read from PostgreSQL's text and written as ISO 8601 by hand must be exactly what the
 * built-ins give (`new Date(text)`, `toISOString()`), in the forms written by hand and in every
 * other form, which take the built-in way.
 */
import { describe, expect, it } from 'vitest';
import { isoTimestamp, timestampFromText } from '../src/support/timestamps.js';

/** A deterministic sequence of pseudo-random numbers in [0, 1), so a failure can be run again. */
function numbers(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** PostgreSQL's ISO output of an instant in UTC, with `digits` (0–6) of its fraction of a second. */
function postgresText(time: number, micros: number, digits: number): string {
  const iso = new Date(time).toISOString();
  const fraction = (String(time % 1000).padStart(3, '0') + String(micros).padStart(3, '0'))
    .slice(0, digits)
    .replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
}

const sameInstant = (a: Date, b: Date) => expect(Object.is(a.getTime(), b.getTime())).toBe(true);

describe('timestampFromText', () => {
  it('reads PostgreSQL UTC output as new Date does, for every length of fraction', () => {
    const random = numbers(1);
    for (let i = 0; i < 20_000; i++) {
      const time = Math.floor(random() * 253_402_300_800_000);
      const text = postgresText(time, Math.floor(random() * 1000), i % 7);
      sameInstant(timestampFromText(text), new Date(text));
    }
  });

  it('reads the edges of days, months and leap years', () => {
    for (const text of [
      '2000-01-01 00:00:00+00',
      '2000-02-29 23:59:59.999999+00',
      '2024-02-29 12:00:00.5+00',
      '2100-02-28 23:59:59.9+00',
      '2100-03-01 00:00:00+00',
      '1970-01-01 00:00:00+00',
      '1969-12-31 23:59:59.999+00',
      '0001-01-01 00:00:00+00',
      '9999-12-31 23:59:59.999999+00',
    ]) {
      sameInstant(timestampFromText(text), new Date(text));
    }
  });

  it('leaves every other form to new Date', () => {
    for (const text of [
      '2026-12-03 14:14:53.57+01',
      '2026-12-03 19:44:53.57+05:30',
      '2026-12-03 05:14:53-08',
      '0044-03-15 12:00:00+00 BC',
      '12026-12-03 13:14:53+00',
      'infinity',
      '-infinity',
      '2026-12-03T13:14:53.570Z',
      '2026-12-03 13:14:53.1234567+00',
      '2026-12-03 13:14:5x+00',
      '',
    ]) {
      sameInstant(timestampFromText(text), new Date(text));
    }
  });
});

describe('isoTimestamp', () => {
  it('writes what toISOString writes, across the years written by hand', () => {
    const random = numbers(2);
    for (let i = 0; i < 20_000; i++) {
      const date = new Date(946_684_800_000 + Math.floor(random() * (253_402_300_800_000 - 946_684_800_000)));
      expect(isoTimestamp(date)).toBe(date.toISOString());
    }
  });

  it('writes the edges, and the years outside by toISOString', () => {
    for (const text of [
      '2000-01-01T00:00:00.000Z',
      '2000-02-29T23:59:59.999Z',
      '2100-03-01T00:00:00.001Z',
      '9999-12-31T23:59:59.999Z',
      '1999-12-31T23:59:59.999Z',
      '1969-12-31T23:59:59.999Z',
      '+010000-01-01T00:00:00.000Z',
      '-000001-01-01T00:00:00.000Z',
    ]) {
      const date = new Date(text);
      expect(isoTimestamp(date)).toBe(text);
    }
  });

  it('throws as toISOString does for an invalid date', () => {
    expect(() => isoTimestamp(new Date(Number.NaN))).toThrow(RangeError);
  });
});
