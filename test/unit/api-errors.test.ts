import { describe, expect, it } from 'vitest';
import { ApiError, ERROR_CODES, errorCodeTable, toApiError } from '../../api/errors';
import { EngineUnavailableError } from '../../api/deps';

describe('§1 error codes', () => {
  it('gives every key a distinct numeric code', () => {
    const codes = errorCodeTable().map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('keeps each code in the range of its HTTP status family', () => {
    const family = (http: number) =>
      ({ 400: 1, 413: 1, 414: 1, 415: 1, 431: 1, 401: 2, 403: 2, 429: 2, 404: 3, 409: 4, 500: 5, 503: 5 })[http];
    for (const row of errorCodeTable()) expect(Math.floor(row.code / 1000), row.key).toBe(family(row.http));
  });

  it('maps an unreachable engine to 503 and anything unknown to a 500 quoting the request id', () => {
    expect(toApiError(new EngineUnavailableError(new Error('down')), 'r1')).toMatchObject({
      error: { key: 'ENGINE_UNAVAILABLE' },
      internal: false,
    });
    const unknown = toApiError(new TypeError('x is undefined'), 'abc123');
    expect(unknown.internal).toBe(true);
    expect(unknown.error.http).toBe(500);
    expect(unknown.error.description).toBe('internal error; quote request id abc123 when reporting it');
    const known = new ApiError('CAMPAIGN_NOT_FOUND', 'nope');
    expect(toApiError(known, 'r')).toEqual({ error: known, internal: false });
    expect(known.http).toBe(ERROR_CODES.CAMPAIGN_NOT_FOUND.http);
  });
});
