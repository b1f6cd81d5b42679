import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** openssl, present: the suites that make certificates skip without it. */
export function haveOpenssl(): boolean {
  return spawnSync('openssl', ['version']).status === 0;
}

function openssl(cwd: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/**
 * A throw-away CA and a server certificate it signed, for 127.0.0.1 and localhost, in `dir`:
 * ca.crt, server.crt, server.key.
 */
export function makeCertificates(dir: string): { ca: Buffer } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=wis2 test CA']);
  openssl(dir, ['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
  return { ca: fs.readFileSync(path.join(dir, 'ca.crt')) };
}
