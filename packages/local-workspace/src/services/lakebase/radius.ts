/**
 * A RADIUS server (RFC 2865, Access-Request only) on a loopback UDP port: how the real
 * PostgreSQL behind the emulated Lakebase instances checks the password a client sends.
 *
 * Lakebase takes a workspace-minted OAuth token as the Postgres password and validates it at
 * login; any unexpired token works, several at once, and a revoked one stops working. A role's
 * password (`ALTER ROLE ... PASSWORD ... VALID UNTIL`) holds one secret at a time, so minting for
 * a second client would lock out the first. PostgreSQL's built-in `radius` authentication
 * (pg_hba.conf) sends the user name and the cleartext password (over the client's TLS session,
 * as Lakebase receives it) to this server, which answers from the credentials the workspace
 * minted. No library: the subset PostgreSQL uses is a few dozen lines.
 */
import { createHash, createHmac } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

const ACCESS_REQUEST = 1;
const ACCESS_ACCEPT = 2;
const ACCESS_REJECT = 3;
const ATTRIBUTE_USER_NAME = 1;
const ATTRIBUTE_USER_PASSWORD = 2;
const ATTRIBUTE_MESSAGE_AUTHENTICATOR = 80;
const HEADER_BYTES = 20;

export interface RadiusServerOptions {
  /** UDP port on 127.0.0.1 (the one pg_hba.conf names). */
  port: number;
  /** The shared secret (pg_hba.conf `radiussecrets`). */
  secret: string;
  /** Decides a login: the Postgres user name and the password it was given. */
  verify(userName: string, password: string): boolean;
}

export interface RadiusServer {
  readonly port: number;
  close(): Promise<void>;
}

/** RFC 2865 §5.2: the password is XORed with MD5(secret + previous block), 16 bytes at a time. */
function decodePassword(hidden: Buffer, secret: string, authenticator: Buffer): string {
  const plain = Buffer.alloc(hidden.length);
  let previous = authenticator;
  for (let offset = 0; offset < hidden.length; offset += 16) {
    const mask = createHash('md5').update(secret).update(previous).digest();
    for (let index = 0; index < 16 && offset + index < hidden.length; index++) {
      plain[offset + index] = (hidden[offset + index] ?? 0) ^ (mask[index] ?? 0);
    }
    previous = hidden.subarray(offset, offset + 16);
  }
  const end = plain.indexOf(0);
  return plain.subarray(0, end < 0 ? plain.length : end).toString('utf8');
}

function readAttributes(packet: Buffer, length: number): Map<number, Buffer> {
  const attributes = new Map<number, Buffer>();
  for (let offset = HEADER_BYTES; offset + 2 <= length; ) {
    const type = packet[offset] ?? 0;
    const size = packet[offset + 1] ?? 0;
    if (size < 2) break;
    attributes.set(type, packet.subarray(offset + 2, offset + size));
    offset += size;
  }
  return attributes;
}

/**
 * Accept or Reject for a request, with a Message-Authenticator (RFC 3579, expected by clients
 * hardened against BlastRADIUS) and the Response Authenticator of RFC 2865 §3.
 */
function answer(
  accepted: boolean,
  identifier: number,
  requestAuthenticator: Buffer,
  secret: string,
) {
  const messageAuthenticator = Buffer.concat([
    Buffer.from([ATTRIBUTE_MESSAGE_AUTHENTICATOR, 18]),
    Buffer.alloc(16),
  ]);
  const packet = Buffer.concat([
    Buffer.from([accepted ? ACCESS_ACCEPT : ACCESS_REJECT, identifier, 0, 0]),
    requestAuthenticator,
    messageAuthenticator,
  ]);
  packet.writeUInt16BE(packet.length, 2);
  createHmac('md5', secret)
    .update(packet)
    .digest()
    .copy(packet, HEADER_BYTES + 2);
  createHash('md5').update(packet).update(secret).digest().copy(packet, 4);
  return packet;
}

export async function startRadiusServer(options: RadiusServerOptions): Promise<RadiusServer> {
  const socket: Socket = createSocket('udp4');
  socket.on('message', (packet, remote) => {
    if (packet.length < HEADER_BYTES || packet[0] !== ACCESS_REQUEST) return;
    const length = packet.readUInt16BE(2);
    if (length > packet.length) return;
    const identifier = packet[1] ?? 0;
    const authenticator = packet.subarray(4, HEADER_BYTES);
    const attributes = readAttributes(packet, length);
    const userName = attributes.get(ATTRIBUTE_USER_NAME)?.toString('utf8');
    const hidden = attributes.get(ATTRIBUTE_USER_PASSWORD);
    let accepted = false;
    if (userName !== undefined && hidden !== undefined) {
      accepted = options.verify(userName, decodePassword(hidden, options.secret, authenticator));
    }
    socket.send(
      answer(accepted, identifier, authenticator, options.secret),
      remote.port,
      remote.address,
    );
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return {
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
