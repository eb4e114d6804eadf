import { describe, expect, it } from 'vitest';
import { deliveryEvent, deliveryStatus, nextTryDelayMs, redactUrl } from '../../domain/webhook-delivery';

describe('§6.2 webhook delivery rules', () => {
  it('spaces tries 1 s, 2 s, 4 s … up to 1 h, as the workflow retry policy does', () => {
    expect([1, 2, 3, 4].map((a) => nextTryDelayMs(a))).toEqual([1000, 2000, 4000, 8000]);
    expect(nextTryDelayMs(13)).toBe(3_600_000);
    expect(nextTryDelayMs(40)).toBe(3_600_000);
  });

  it("takes the receiver's Retry-After when it gave one", () => {
    expect(nextTryDelayMs(5, 30_000)).toBe(30_000);
  });

  it('shows a pending delivery that has failed as retrying', () => {
    expect(deliveryStatus('pending', 0)).toBe('pending');
    expect(deliveryStatus('pending', 2)).toBe('retrying');
    expect(deliveryStatus('delivered', 1)).toBe('delivered');
    expect(deliveryStatus('abandoned', 9)).toBe('abandoned');
  });

  it('names the callback field an event went to', () => {
    expect(deliveryEvent('call_status')).toBe('call_status_callback');
    expect(deliveryEvent('status')).toBe('status_callback');
  });

  it('redacts URL userinfo (SPEC §6.3) and leaves other URLs alone', () => {
    expect(redactUrl('https://user:secret@hooks.example.com/p?q=1')).toBe('https://***@hooks.example.com/p?q=1');
    expect(redactUrl('https://token@hooks.example.com/')).toBe('https://***@hooks.example.com/');
    expect(redactUrl('https://hooks.example.com/p')).toBe('https://hooks.example.com/p');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});
