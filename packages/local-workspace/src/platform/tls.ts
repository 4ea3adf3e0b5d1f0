import { generate } from 'selfsigned';

/** PEM material of the workspace's TLS listener. The certificate is self-signed: it is its own CA. */
export interface TlsMaterial {
  key: string;
  cert: string;
  /** The PEM a client trusts (`customCaCert`, `NODE_EXTRA_CA_CERTS`, `_tls_trusted_ca_file`). */
  caCert: string;
}

/**
 * A fresh self-signed certificate for `127.0.0.1` and `localhost` (SAN IP + DNS), valid for a
 * year. Generated at start so no key ever lives in the repository.
 */
export async function createTlsMaterial(): Promise<TlsMaterial> {
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 365 * 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      {
        name: 'keyUsage',
        digitalSignature: true,
        keyEncipherment: true,
        keyCertSign: true,
        critical: true,
      },
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
  return { key: pems.private, cert: pems.cert, caCert: pems.cert };
}
