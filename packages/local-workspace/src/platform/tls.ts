import { generate } from 'selfsigned';

/**
 * PEM material of the workspace's TLS listener: a server certificate issued by a CA generated
 * with it. Clients trust the CA (`caCert`). A separate CA, rather than one self-signed certificate
 * acting as both, is what strict TLS stacks require: rustls (Deno's `fetch`) refuses a CA
 * certificate presented as the server's own.
 */
export interface TlsMaterial {
  key: string;
  cert: string;
  /** The PEM a client trusts (`customCaCert`, `NODE_EXTRA_CA_CERTS`, `_tls_trusted_ca_file`). */
  caCert: string;
}

/**
 * A fresh CA and a server certificate for `127.0.0.1` and `localhost` (SAN IP + DNS), valid for
 * a year. Generated at start so no key ever lives in the repository.
 *
 * Keys are ECDSA P-256 rather than RSA 2048: every TLS handshake signs with the server's key, and
 * an RSA signature costs the workspace about a millisecond and a half of CPU, so a burst of new
 * connections (200 concurrent model calls, 16 driver sessions) queued behind the handshakes;
 * generating two RSA keys also took a noticeable part of every start (bench/PROFILE.md). Every
 * client the workspace serves (Node, OpenSSL in Python, rustls in Deno) accepts P-256 with
 * SHA-256.
 */
export async function createTlsMaterial(): Promise<TlsMaterial> {
  const now = new Date();
  const validity = {
    keyType: 'ec' as const,
    curve: 'P-256' as const,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 365 * 24 * 3600_000),
  };
  const ca = await generate([{ name: 'commonName', value: 'lakechain local workspace CA' }], {
    ...validity,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...validity,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      // An ECDSA key signs the handshake; it never enciphers a key (that is RSA key exchange).
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: server.private, cert: server.cert, caCert: ca.cert };
}
