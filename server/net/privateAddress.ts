// Where the server may connect when a member hands it a URL (a webhook receiver, an image to
// import). A project owner is not the server's admin: without this check an owner could make
// Tandem call services inside the network it runs in (a database's HTTP port, a cloud metadata
// endpoint at 169.254.169.254) and learn from the answers. So, as GitLab does, addresses that
// are not on the public internet are refused unless the admin allows them
// (`WEBHOOK_ALLOW_PRIVATE`, `IMPORT_ALLOW_PRIVATE`: receivers and image stores inside a company
// network). The check runs when the URL is given (a clear error) and again on the address the
// connection really uses (a name that resolved to a public address then and to a private one
// later is refused: DNS rebinding).
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';

const blocked = new net.BlockList();
for (const [addr, bits] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 3], // multicast and reserved, up to 255.255.255.255
] as const) {
  blocked.addSubnet(addr, bits, 'ipv4');
}
for (const [addr, bits] of [
  ['::', 127], // unspecified and loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 of any IPv4 address
] as const) {
  blocked.addSubnet(addr, bits, 'ipv6');
}

/** Whether an IP address is off the public internet (loopback, private, link-local, …). */
export function isPrivateAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family !== 6) return true; // not an address: nothing to connect to safely
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1, which URL writes ::ffff:7f00:1).
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (dotted) return blocked.check(dotted[1], 'ipv4');
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (hex) {
    const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return blocked.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  return blocked.check(ip, 'ipv6');
}

/** Whether private addresses are allowed, and the setting that allows them (for the error). */
export interface Reach {
  allowPrivate: boolean;
  /** The environment variable an admin sets to allow them, e.g. `WEBHOOK_ALLOW_PRIVATE`. */
  setting: string;
}

const refusal = (host: string, ip: string, reach: Reach) =>
  `${host === ip ? ip : `${host} (${ip})`} is not a public address; the server's admin allows addresses inside the network with ${reach.setting}=true`;

/** The URL's host without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Checks a URL when it is given (a webhook added, an image to import): `validation_failed` when
 * its host is, or resolves to, a private address. A name that does not resolve now is accepted
 * (the connection will say).
 */
export async function checkUrlHost(url: string, reach: Reach): Promise<void> {
  if (reach.allowPrivate) return;
  const host = hostOf(new URL(url));
  const ips = net.isIP(host) ? [host] : await dns.promises.lookup(host, { all: true }).then((a) => a.map((x) => x.address), () => []);
  const bad = ips.find(isPrivateAddress);
  if (bad) throw new TandemError(ErrorCode.ValidationFailed, refusal(host, bad, reach));
}

/** A refused connection (its `code` goes to a webhook's delivery log, an import's answer). */
export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATE';
}

/** Throws PrivateAddressError when the URL's host is a private IP literal (no lookup happens for one). */
export function refuseLiteral(url: URL, reach: Reach): void {
  const host = hostOf(url);
  if (!reach.allowPrivate && net.isIP(host) && isPrivateAddress(host)) throw new PrivateAddressError(refusal(host, host, reach));
}

/** A `lookup` for http.request that refuses names resolving to private addresses. */
export function guardedLookup(reach: Reach): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as dns.LookupAddress[];
      const bad = reach.allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(Object.assign(new PrivateAddressError(refusal(hostname, bad.address, reach)), { errno: 0, syscall: 'lookup' }) as NodeJS.ErrnoException, '', 4);
      if ((options as dns.LookupAllOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * An http(s) request that connects only where `reach` allows (a private IP literal throws
 * PrivateAddressError before anything is sent; a name is checked on the address it resolves to),
 * one connection per request. What webhook deliveries and URL imports send through.
 */
export function guardedRequest(url: URL, reach: Reach, options: http.RequestOptions): http.ClientRequest {
  refuseLiteral(url, reach);
  const send = url.protocol === 'https:' ? https.request : http.request;
  return send(url, { ...options, lookup: guardedLookup(reach), agent: false });
}
