// The field rules shared by every command family (src/domain/validation.ts), and the shape of a
// refusal they produce (src/domain/status.ts, src/domain/decision.ts).
import { describe, expect, it } from 'vitest';
import { answer, refuse } from '../../src/domain/decision.ts';
import { invalid, isRejection, reject } from '../../src/domain/status.ts';
import {
  DATA_LIMITS, dataPairs, identifier, isoTime, optionalFutureTime, optionalIdentifier, optionalString,
} from '../../src/domain/validation.ts';

const NOW = new Date('2030-01-01T12:00:00.000Z');

const pairs = (count: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, `value${i}`]));

describe('identifier', () => {
  it.each([
    ['abc', 'the shortest (3 characters)'],
    ['a'.repeat(128), 'the longest (128 characters)'],
    ['user_01-a.b', 'word characters, dash and dot'],
    ['123', 'digits only'],
  ])('accepts %j: %s', (value) => {
    expect(identifier('userId', value)).toBe(value);
  });

  it.each([
    ['ab', 'too short'],
    ['a'.repeat(129), 'too long'],
    ['user 01', 'a space'],
    ['user:01', 'a colon (the eventId separator)'],
    ['user/01', 'a slash'],
    ['$where', 'a dollar'],
    ['usér01', 'a non-ASCII letter'],
    ['user01\n', 'a trailing newline'],
    ['', 'empty'],
    [undefined, 'absent'],
    [null, 'null'],
    [123456, 'a number'],
  ])('rejects %j (%s) with 400 naming the field', (value, _why) => {
    expect(identifier('userId', value)).toMatchObject({ kind: 'rejection', statusCode: '400', errorCode: 'VALIDATION_FAILED', field: 'userId' });
  });

  it('says "is required" for an absent value and quotes the pattern for a malformed one', () => {
    expect(identifier('userId', undefined)).toMatchObject({ message: 'userId: is required' });
    expect(identifier('userId', 'x')).toMatchObject({ message: expect.stringContaining('{3,128}') });
  });
});

describe('optionalIdentifier', () => {
  it.each([undefined, null])('gives null for %j', (value) => {
    expect(optionalIdentifier('consentType', value)).toBeNull();
  });

  it('checks a present value like identifier', () => {
    expect(optionalIdentifier('consentType', 'marketing')).toBe('marketing');
    expect(optionalIdentifier('consentType', '')).toMatchObject({ statusCode: '400', field: 'consentType' });
    expect(optionalIdentifier('consentType', 'mk')).toMatchObject({ statusCode: '400', field: 'consentType' });
  });
});

describe('dataPairs', () => {
  it('states the limits of the contract', () => {
    expect(DATA_LIMITS).toEqual({ maxPairs: 32, maxKeyLength: 64, maxValueLength: 256 });
  });

  it.each([
    ['no pairs', {}],
    ['32 pairs', pairs(32)],
    ['a key of 1 character', { k: 'v' }],
    ['a key of 64 characters', { ['k'.repeat(64)]: 'v' }],
    ['a value of 256 characters', { k: 'v'.repeat(256) }],
    ['a $ that does not start the key', { 'price$': 'v' }],
    ['a value with dots and dollars', { k: '$a.b' }],
  ])('accepts %s', (_name, value) => {
    expect(dataPairs('consentData', value)).toEqual(value);
  });

  it.each([undefined, null])('gives an empty map for %j', (value) => {
    expect(dataPairs('consentData', value)).toEqual({});
  });

  it.each([
    ['33 pairs', pairs(33)],
    ["a key '$set'", { $set: 'v' }],
    ["a key '$'", { $: 'v' }],
    ["a key 'a.b'", { 'a.b': 'v' }],
    ["a key ending in '.'", { 'a.': 'v' }],
    ['a key of 65 characters', { ['k'.repeat(65)]: 'v' }],
    ['an empty key', { '': 'v' }],
    ['a value of 257 characters', { k: 'v'.repeat(257) }],
    ['an empty value', { k: '' }],
    ['a number value', { k: 1 }],
    ['a null value', { k: null }],
    ['a nested map', { k: { inner: 'v' } }],
    ['an array', ['v']],
    ['a string', 'k=v'],
    ['a number', 42],
  ])('rejects %s with 400 naming the field', (_name, value) => {
    expect(dataPairs('consentData', value)).toMatchObject({ kind: 'rejection', statusCode: '400', field: 'consentData' });
  });

  it('returns a copy, not the object it was given', () => {
    const input = { k: 'v' };
    const result = dataPairs('data', input);
    expect(result).toEqual(input);
    expect(result).not.toBe(input);
  });
});

describe('isoTime', () => {
  it.each([
    ['2030-06-01T00:00:00Z', '2030-06-01T00:00:00.000Z'],
    ['2030-06-01T00:00:00.123Z', '2030-06-01T00:00:00.123Z'],
    ['2030-06-01T00:00Z', '2030-06-01T00:00:00.000Z'],
    ['2030-06-01T02:00:00+02:00', '2030-06-01T00:00:00.000Z'],
    ['2030-05-31T19:00:00-05:00', '2030-06-01T00:00:00.000Z'],
    ['2030-06-01T02:00:00+0200', '2030-06-01T00:00:00.000Z'],
  ])('reads %s as %s', (value, iso) => {
    const time = isoTime('expiryTime', value);
    expect(time).toBeInstanceOf(Date);
    expect((time as Date).toISOString()).toBe(iso);
  });

  it.each([
    ['2030-06-01T00:00:00', 'no offset'],
    ['2030-06-01', 'a date alone'],
    ['2030-06-01 00:00:00Z', 'a space for T'],
    ['2030-06-01T00:00:00z', 'a lower-case z'],
    ['2030-13-01T00:00:00Z', 'month 13'],
    ['2030-01-32T00:00:00Z', 'day 32'],
    ['2030-06-01T25:00:00Z', 'hour 25'],
    ['2030-06-01T00:00:00+25:00', 'an offset of 25 hours'],
    ['Sat, 01 Jun 2030 00:00:00 GMT', 'RFC 2822'],
    ['', 'empty'],
    [1_906_502_400_000, 'epoch millis'],
    [null, 'null'],
  ])('rejects %j (%s) with 400 naming the field', (value, _why) => {
    expect(isoTime('expiryTime', value)).toMatchObject({ kind: 'rejection', statusCode: '400', field: 'expiryTime' });
  });

  // Regression: V8 rolls an impossible date over (Feb 31 → Mar 3); isoTime must refuse it.
  it('rejects a day that does not exist in its month (2031-02-31) with 400', () => {
    expect(isoTime('expiryTime', '2031-02-31T00:00:00Z')).toMatchObject({ statusCode: '400', field: 'expiryTime' });
  });
});

describe('optionalFutureTime', () => {
  it.each([undefined, null])('gives null for %j', (value) => {
    expect(optionalFutureTime('expiry', value, NOW)).toBeNull();
  });

  it('accepts a time one millisecond after now', () => {
    expect(optionalFutureTime('expiry', '2030-01-01T12:00:00.001Z', NOW)).toEqual(new Date('2030-01-01T12:00:00.001Z'));
  });

  it.each([
    ['2030-01-01T12:00:00.000Z', 'exactly now'],
    ['2030-01-01T11:59:59.999Z', 'a millisecond before now'],
    ['2030-01-01T13:00:00+02:00', 'a later wall-clock time whose offset puts it before now'],
  ])('rejects %s (%s) with 400 "must be in the future"', (value) => {
    expect(optionalFutureTime('expiry', value, NOW)).toMatchObject({ statusCode: '400', field: 'expiry', message: 'expiry: must be in the future' });
  });

  it('reports a malformed time as malformed, not as past', () => {
    expect(optionalFutureTime('expiry', '2030-06-01', NOW)).toMatchObject({ statusCode: '400', message: expect.stringContaining('ISO 8601') });
  });
});

describe('optionalString', () => {
  it('gives null when absent and the string when within the limit', () => {
    expect(optionalString('reason', undefined, 10)).toBeNull();
    expect(optionalString('reason', null, 10)).toBeNull();
    expect(optionalString('reason', '', 10)).toBe('');
    expect(optionalString('reason', 'r'.repeat(10), 10)).toBe('r'.repeat(10));
  });

  it.each([['r'.repeat(11)], [7], [{}]])('rejects %j with 400 naming the field', (value) => {
    expect(optionalString('reason', value, 10)).toMatchObject({ statusCode: '400', field: 'reason' });
  });
});

describe('refusals', () => {
  it('makes a 400 VALIDATION_FAILED that names the field in its message', () => {
    expect(invalid('consentData', 'at most 32 pairs')).toEqual({
      kind: 'rejection', statusCode: '400', errorCode: 'VALIDATION_FAILED', message: 'consentData: at most 32 pairs', field: 'consentData',
    });
  });

  it('leaves the field out of a rejection that has none', () => {
    expect(reject('409', 'VERSION_CONFLICT', 'stale')).toEqual({ kind: 'rejection', statusCode: '409', errorCode: 'VERSION_CONFLICT', message: 'stale' });
    expect(Object.keys(reject('409', 'VERSION_CONFLICT', 'stale'))).not.toContain('field');
  });

  it.each([[null], [undefined], ['rejection'], [{}], [{ kind: 'change' }], [new Date(0)]])('does not take %j for a rejection', (value) => {
    expect(isRejection(value)).toBe(false);
  });

  it('recognises its own rejections', () => {
    expect(isRejection(invalid('f', 'm'))).toBe(true);
  });

  it('turns a rejection into a reply with its status code, and an answer into one without a rejection', () => {
    const rejection = reject('429', 'RATE_LIMITED', 'slow down');
    expect(refuse(rejection)).toEqual({ kind: 'reply', statusCode: '429', view: null, rejection });
    expect(refuse(rejection, { shown: true })).toMatchObject({ view: { shown: true } });
    expect(answer('303', { already: true })).toEqual({ kind: 'reply', statusCode: '303', view: { already: true } });
  });
});

describe('values a plain object or a UTC echo would lose', () => {
  it.each([
    ['{"__proto__": "x"}', 'a __proto__ key (JSON keeps it as an own key)'],
    ['{"a": "1", "__proto__": "x"}', '__proto__ beside other keys'],
  ])('dataPairs refuses %s (%s) with 400 naming the field', (json) => {
    expect(dataPairs('consentData', JSON.parse(json))).toMatchObject({ statusCode: '400', field: 'consentData', message: 'consentData: keys must not be __proto__' });
  });

  it('dataPairs refuses __proto__ in a null-prototype map (as the Avro decoder hands it)', () => {
    const map = Object.create(null) as Record<string, string>;
    map['__proto__'] = 'x';
    expect(dataPairs('consentData', map)).toMatchObject({ statusCode: '400', field: 'consentData' });
  });

  it.each([
    ['constructor', 'v'], ['toString', 'v'], ['hasOwnProperty', 'v'], ['prototype', 'v'],
  ])('dataPairs keeps %s as ordinary data', (key, value) => {
    expect(dataPairs('consentData', { [key]: value })).toEqual({ [key]: value });
  });

  it.each([
    ['9999-12-31T23:00:00-14:00', 'year 10000 in UTC'],
    ['9999-12-31T10:00:00-14:00', 'year 10000 in UTC (just)'],
    ['0001-01-01T00:00:00+01:00', 'year 0 in UTC'],
  ])('isoTime refuses %s (%s) with 400', (value) => {
    expect(isoTime('expiryTime', value)).toMatchObject({ statusCode: '400', field: 'expiryTime' });
  });

  it.each([
    ['9999-12-31T09:59:59-14:00', '9999-12-31T23:59:59.000Z'],
    ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59.000Z'],
    ['0001-01-01T00:00:00-01:00', '0001-01-01T01:00:00.000Z'],
  ])('isoTime accepts %s (UTC %s, a 4-digit year)', (value, utc) => {
    expect((isoTime('expiryTime', value) as Date).toISOString()).toBe(utc);
  });
});
