import { describe, expect, it } from 'vitest';
import {
  addressRefusal,
  classifyAddress,
  isAbsoluteHttpUrl,
  parseIPv6,
  STRICT_POLICY,
  urlRefusal,
} from '../../domain/url-policy';

describe('§6.3 address classification', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['172.15.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.128.0.1', 'public'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['2606:4700:4700::1111', 'public'],
    ['fd00:ec2::254', 'metadata'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::ffff:0:a9fe:a9fe', 'metadata'],
    ['::ffff:0:8.8.8.8', 'public'],
    ['64:ff9b:1::7f00:1', 'loopback'],
    ['64:ff9b:1::8.8.8.8', 'public'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['::127.0.0.1', 'reserved'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });

  it.each(['example.com', '256.1.1.1', '1.2.3', '01.2.3.4x', '1::2::3', '1:2:3:4:5:6:7:8:9', 'gggg::1', ''])(
    '%j is not an IP literal',
    (text) => {
      expect(classifyAddress(text)).toBeNull();
    },
  );

  it('expands IPv6 with an embedded IPv4 tail', () => {
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
  });
});

describe('§6.3 policy', () => {
  const strict = { allowLoopback: false, allowPrivate: false };
  const dev = { allowLoopback: true, allowPrivate: false };
  const open = { allowLoopback: true, allowPrivate: true };

  it('allows public addresses always', () => {
    expect(addressRefusal('8.8.8.8', strict)).toBeNull();
  });

  it('refuses loopback unless allowed', () => {
    expect(addressRefusal('127.0.0.1', strict)).toMatch(/loopback/);
    expect(addressRefusal('::1', dev)).toBeNull();
  });

  it('refuses private ranges unless allowed (loopback permission is not enough)', () => {
    expect(addressRefusal('10.0.0.5', dev)).toMatch(/private/);
    expect(addressRefusal('10.0.0.5', open)).toBeNull();
  });

  it('always refuses link-local and metadata addresses', () => {
    expect(addressRefusal('169.254.169.254', open)).toMatch(/metadata/);
    expect(addressRefusal('fd00:ec2::254', open)).toMatch(/metadata/);
    expect(addressRefusal('fe80::1', open)).toMatch(/link-local/);
    expect(addressRefusal('0.0.0.0', open)).toMatch(/unspecified/);
  });
});

describe('§6.3 URL shape', () => {
  it.each([
    ['https://example.com/hook', true],
    ['http://127.0.0.1:8080/x?y=1', true],
    ['http://[::1]/x', true],
    ['ftp://example.com/x', false],
    ['/relative/path', false],
    ['example.com/hook', false],
    ['javascript:alert(1)', false],
    ['', false],
  ])('%j absolute http(s): %s', (url, expected) => {
    expect(isAbsoluteHttpUrl(url)).toBe(expected);
  });
});

describe('§6.3 URL policy at create and update (urlRefusal)', () => {
  it.each([
    ['http://2130706433/', '127.0.0.1 is a loopback address'],
    ['http://0x7f.1/', '127.0.0.1 is a loopback address'],
    ['http://0177.0.0.1/', '127.0.0.1 is a loopback address'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1 is a loopback address'],
    ['http://0251.0376.0251.0376/', '169.254.169.254 is a metadata address'],
    ['http://10.1/', '10.0.0.1 is a private address'],
    ['http://localhost./', 'localhost. is a loopback name'],
    ['http://metadata.google.internal/', 'metadata.google.internal is a metadata service name'],
    ['ftp://example.com/', 'ftp://example.com/ is not an absolute http(s) URL'],
  ])('refuses %s: %s', (url, reason) => {
    expect(urlRefusal(url, STRICT_POLICY)).toBe(reason);
  });

  it('leaves other names to the delivery, which resolves them', () => {
    expect(urlRefusal('https://hooks.example.com/x', STRICT_POLICY)).toBeNull();
    expect(urlRefusal('http://127.0.0.1/', { allowLoopback: true, allowPrivate: false })).toBeNull();
  });
});
