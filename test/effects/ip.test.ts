import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLocalAddress, parseIPv6, reverseName } from '../../effects/ip.ts';

const Reverse = suite('reverseName');

Reverse('turns IPv4 and IPv6 addresses into PTR names', () => {
  assert.is(reverseName('192.0.2.1'), '1.2.0.192.in-addr.arpa');
  assert.is(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  assert.is(reverseName('mail.example.com'), 'mail.example.com');
});

const V6 = suite('parseIPv6');

V6('parses compressed, full and dotted-quad forms', () => {
  assert.equal(parseIPv6('::1'), [0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(parseIPv6('::ffff:127.0.0.1'), [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
  assert.equal(parseIPv6('2001:db8:0:0:0:0:2:1'), [0x2001, 0xdb8, 0, 0, 0, 0, 2, 1]);
  assert.equal(parseIPv6('[fe80::1%eth0]'), [0xfe80, 0, 0, 0, 0, 0, 0, 1]);
  assert.is(parseIPv6('1::2::3'), null);
  assert.is(parseIPv6('12345::'), null);
  assert.is(parseIPv6('1.2.3.4'), null);
});

const Local = suite('isLocalAddress');

Local('refuses loopback, private, link-local, unspecified and mapped forms', () => {
  for (const ip of ['127.0.0.1', '127.8.8.8', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '::', '::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1', 'fc00::1', 'fd12:3456::1', 'fe80::1', '224.0.0.1', '255.255.255.255']) {
    assert.ok(isLocalAddress(ip), ip);
  }
});

Local('allows public addresses', () => {
  for (const ip of ['8.8.8.8', '172.32.0.1', '192.0.2.1', '2001:db8::1', '2a00:1450::1', '::ffff:8.8.8.8', '100.128.0.1']) {
    assert.not.ok(isLocalAddress(ip), ip);
  }
});

Reverse.run();
V6.run();
Local.run();
