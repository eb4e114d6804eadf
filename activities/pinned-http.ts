/**
 * SPEC §6.3 at send time: the host is resolved once, every address judged by the URL policy, and the connection made to
 * the checked address through an undici dispatcher whose lookup answers with it alone (no DNS rebinding). Redirects are
 * never followed: a 3xx is the receiver's answer.
 */
import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { redactUrlUserinfo } from '../domain/log-redaction';
import { addressRefusal, classifyAddress, isAbsoluteHttpUrl, type AddressPolicy } from '../domain/url-policy';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (the system resolver by default; tests pass a stub). */
export type ResolveHost = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: ResolveHost = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

export type CheckedTarget = { kind: 'refused'; reason: string } | ({ kind: 'allowed' } & ResolvedAddress);

/**
 * The address to connect to for `url`, or why the policy refuses it. An IP literal is judged as
 * itself; a name is resolved once and every address must pass, since any of them could be used.
 * Throws when the name does not resolve (a retryable failure: it may resolve later).
 */
export async function checkedTarget(url: string, policy: AddressPolicy, resolve: ResolveHost): Promise<CheckedTarget> {
  if (!isAbsoluteHttpUrl(url))
    return { kind: 'refused', reason: `${redactUrlUserinfo(url)} is not an absolute http(s) URL` };
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (classifyAddress(host) !== null) {
    const reason = addressRefusal(host, policy);
    return reason ? { kind: 'refused', reason } : { kind: 'allowed', address: host, family: isIP(host) === 6 ? 6 : 4 };
  }
  const addresses = await resolve(host);
  if (addresses.length === 0) throw new Error(`${host} resolved to no address`);
  for (const a of addresses) {
    const reason = addressRefusal(a.address, policy);
    if (reason) return { kind: 'refused', reason: `${host} resolves to ${reason}` };
  }
  return { kind: 'allowed', ...addresses[0]! };
}

/** A `connect.lookup` that answers every lookup with the one checked address. */
function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

export interface PinnedResponse {
  status: number;
  /** The receiver's `Retry-After` header, when it sent one. */
  retryAfter: string | null;
}

/**
 * POSTs `body` to `url`, connecting to `target` only, without following redirects; the URL's
 * userinfo, if any, is sent as Basic credentials. The response body is discarded. Network errors
 * and the timeout throw.
 */
export async function pinnedPost(
  url: string,
  target: ResolvedAddress,
  init: { headers: Record<string, string>; body: string; timeoutMs: number },
): Promise<PinnedResponse> {
  // fetch refuses a URL with credentials: userinfo becomes the Basic credentials it stands for.
  const parsed = new URL(url);
  const headers = { ...init.headers };
  if (parsed.username !== '' || parsed.password !== '') {
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  const dispatcher = new Agent({ connect: { lookup: pinnedLookup(target) }, pipelining: 0 });
  try {
    const res = await undiciFetch(parsed, {
      method: 'POST',
      headers,
      body: init.body,
      redirect: 'manual',
      dispatcher,
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    await res.body?.cancel();
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  } finally {
    await dispatcher.destroy();
  }
}
