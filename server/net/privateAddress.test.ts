// Which addresses a URL a member gives may point at by default: public ones only (an owner must
// not reach services inside the server's network), whatever way the address is written.
import { describe, expect, it } from 'vitest';
import { checkUrlHost, isPrivateAddress } from './privateAddress';

const strict = { allowPrivate: false, setting: 'WEBHOOK_ALLOW_PRIVATE' };
const open = { allowPrivate: true, setting: 'WEBHOOK_ALLOW_PRIVATE' };

describe('receiver addresses', () => {
  it('tells private and reserved addresses from public ones, IPv4 written as IPv6 too', () => {
    const priv = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.10', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a00:1', '64:ff9b::a00:1', 'not-an-ip'];
    const pub = ['8.8.8.8', '172.32.0.1', '192.169.0.1', '100.128.0.1', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '::ffff:808:808'];
    expect(priv.filter((ip) => !isPrivateAddress(ip))).toEqual([]);
    expect(pub.filter(isPrivateAddress)).toEqual([]);
  });

  it('refuses a private host when the URL is given, naming the setting; allowed, it passes', async () => {
    await expect(checkUrlHost('http://127.0.0.1:9000/hook', strict)).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/127\.0\.0\.1 is not a public address.*WEBHOOK_ALLOW_PRIVATE=true/) });
    await expect(checkUrlHost('http://localhost:9000/hook', strict)).rejects.toMatchObject({ message: expect.stringMatching(/^localhost \((127\.0\.0\.1|::1)\) is not a public address/) });
    await expect(checkUrlHost('http://[fd00::5]/hook', strict)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(checkUrlHost('http://127.0.0.1:9000/hook', open)).resolves.toBeUndefined();
    await expect(checkUrlHost('https://93.184.215.14/hook', strict)).resolves.toBeUndefined();
  });
});
