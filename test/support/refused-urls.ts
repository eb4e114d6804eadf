/**
 * SPEC §6.3: callback and flow URLs whose host is a refused address in every spelling the policy must
 * see through (the URL-policy tests refuse each; the fuzz suite throws them at every URL field).
 */

/** Every spelling the policy must see through, by what it names. */
export const REFUSED_SPELLINGS: Array<[string, string]> = [
  ['loopback', 'http://127.0.0.1/hook'],
  ['loopback, decimal', 'http://2130706433/hook'],
  ['loopback, hex', 'http://0x7f000001/hook'],
  ['loopback, octal', 'http://0177.0.0.1/hook'],
  ['loopback, short form', 'http://127.1/hook'],
  ['loopback, hex short form', 'http://0x7f.1/hook'],
  ['loopback, trailing dot', 'http://127.0.0.1./hook'],
  ['loopback, percent-encoded', 'http://%31%32%37.0.0.1/hook'],
  ['loopback, ideographic dots', 'http://127\u30020\u30020\u30021/hook'],
  ['loopback IPv6', 'http://[::1]/hook'],
  ['loopback IPv6, long form', 'http://[0:0:0:0:0:0:0:1]/hook'],
  ['loopback, IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]/hook'],
  ['loopback, IPv4-mapped IPv6 in hex', 'http://[::ffff:7f00:1]/hook'],
  ['loopback, NAT64', 'http://[64:ff9b::7f00:1]/hook'],
  ['loopback, local-use NAT64', 'http://[64:ff9b:1::7f00:1]/hook'],
  ['loopback, IPv4-translated IPv6', 'http://[::ffff:0:127.0.0.1]/hook'],
  ['loopback, 6to4', 'http://[2002:7f00:1::]/hook'],
  ['loopback name', 'http://localhost:8080/hook'],
  ['loopback name, upper case with a dot', 'http://LOCALHOST./hook'],
  ['loopback subdomain name', 'http://api.localhost/hook'],
  ['unspecified', 'http://0/hook'],
  ['unspecified IPv6', 'http://[::]/hook'],
  ['metadata', 'http://169.254.169.254/latest/meta-data/'],
  ['metadata, octal', 'http://0251.0376.0251.0376/latest'],
  ['metadata, decimal', 'http://2852039166/latest'],
  ['metadata, IPv4-mapped', 'http://[::ffff:169.254.169.254]/latest'],
  ['metadata IPv6 (AWS)', 'http://[fd00:ec2::254]/latest'],
  ['metadata (Alibaba)', 'http://100.100.100.200/latest'],
  ['metadata name (GCP)', 'http://metadata.google.internal/computeMetadata/v1/'],
  ['private 10/8', 'http://10.0.0.1/hook'],
  ['private 10/8, short form', 'http://10.1/hook'],
  ['private 10/8, decimal', 'http://167772161/hook'],
  ['private 172.16/12', 'http://172.16.0.1/hook'],
  ['private 192.168/16, hex', 'http://0xc0a80101/hook'],
  ['private with userinfo', 'http://user:s3cretpw@10.0.0.1/hook'],
  ['CGNAT', 'http://100.64.0.1/hook'],
  ['CGNAT, top of range', 'http://100.127.255.254/hook'],
  ['unique-local IPv6', 'http://[fc00::1]/hook'],
  ['unique-local IPv6 fd00::/8', 'http://[fd12:3456::1]/hook'],
  ['link-local', 'http://169.254.1.1/hook'],
  ['link-local IPv6', 'http://[fe80::1]/hook'],
  ['multicast', 'http://224.0.0.1/hook'],
  ['multicast SSDP', 'http://239.255.255.250:1900/hook'],
  ['multicast IPv6', 'http://[ff02::1]/hook'],
  ['broadcast', 'http://255.255.255.255/hook'],
];

/** The URLs alone. */
export const REFUSED_URLS: string[] = REFUSED_SPELLINGS.map(([, url]) => url);
