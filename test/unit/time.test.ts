import { describe, expect, it } from 'vitest';
import { formatInstant, offsetMinutes } from '../../domain/time';

describe('§1 timestamps', () => {
  it('renders an instant in Asia/Kolkata with its +05:30 offset', () => {
    expect(formatInstant(new Date('2024-01-15T03:30:00Z'), 'Asia/Kolkata')).toBe('2024-01-15T09:00:00+05:30');
  });
  it('drops fractional seconds', () => {
    expect(formatInstant(new Date('2024-01-15T03:30:00.999Z'), 'UTC')).toBe('2024-01-15T03:30:00+00:00');
  });
  it('uses the offset in force at that instant across a DST change', () => {
    expect(offsetMinutes(new Date('2024-03-10T06:59:59Z'), 'America/New_York')).toBe(-300);
    expect(offsetMinutes(new Date('2024-03-10T07:00:00Z'), 'America/New_York')).toBe(-240);
    expect(formatInstant(new Date('2024-07-01T12:00:00Z'), 'America/New_York')).toBe('2024-07-01T08:00:00-04:00');
  });
});
