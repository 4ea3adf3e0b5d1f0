/**
 * Runs `LANGUAGE PYTHON` functions and `system.ai.python_exec` in a Python process of their own,
 * one per call: the arguments go in as JSON on stdin, the result comes back as JSON on stdout.
 *
 * A development stand-in for Databricks' sandboxed Python, not a sandbox: the process gets a
 * timeout, a memory limit, an empty environment (no workspace credentials), a temporary working
 * directory, and a Python audit hook (PEP 578) that refuses network access, starting processes,
 * `ctypes`, writing, deleting or renaming files, and reading files outside Python's own
 * installation. Audit hooks can be bypassed by determined code; run untrusted functions on
 * Databricks, not here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlError } from '../sql_error.js';

export interface PythonRunnerOptions {
  /** The interpreter. Default `$LAKECHAIN_PYTHON`, else `python3` (`python` on Windows). */
  python?: string;
  /** Wall-clock limit of one call, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Address-space limit of the process, in bytes (POSIX only). Default 2 GiB. */
  memoryBytes?: number;
}

/** One call: a function body with its arguments, or code for `python_exec`. */
export interface PythonRequest {
  mode: 'function' | 'exec';
  /** Full name, for messages and tracebacks. */
  name: string;
  /** Function mode: the body (Databricks' `routine_definition`). Exec mode: unused. */
  body: string;
  parameters: string[];
  /** Spark JSON type of each parameter (`"integer"`, `{"type":"array",...}`). */
  parameterTypes: unknown[];
  /** Each argument as JSON text (BINARY as base64), or null. */
  arguments: Array<string | null>;
  /** Spark JSON type of the result. */
  returns: unknown;
}

/** The result as text DuckDB casts to the return type (JSON for nested types), or null. */
export type PythonResult = string | null;

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MEMORY_BYTES = 2 * 1024 ** 3;
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/**
 * The program each process runs (`python -I -B -c HARNESS`). It reads the request, installs the
 * audit hook and limits, runs the user code with its output captured, and prints one JSON line.
 */
const HARNESS = String.raw`
import base64, datetime, decimal, io, json, os, sys, textwrap, traceback, keyword

def _decode(value, kind):
    if value is None:
        return None
    if isinstance(kind, dict):
        t = kind.get("type")
        if t == "array":
            return [_decode(item, kind.get("elementType")) for item in value]
        if t == "map":
            return {_decode(key, kind.get("keyType")): _decode(item, kind.get("valueType")) for key, item in value.items()}
        if t == "struct":
            return {f["name"]: _decode(value.get(f["name"]), f["type"]) for f in kind.get("fields", [])}
        return value
    if kind in ("byte", "short", "integer", "long"):
        return int(value)
    if kind in ("float", "double"):
        return float(value)
    if kind.startswith("decimal"):
        return decimal.Decimal(str(value))
    if kind == "boolean":
        return bool(value)
    if kind == "date":
        return datetime.date.fromisoformat(str(value)[:10])
    if kind.startswith("timestamp"):
        return datetime.datetime.fromisoformat(str(value))
    if kind == "binary":
        return base64.b64decode(value) if isinstance(value, str) else bytes(value)
    return value

def _argument(text, kind):
    if text is None:
        return None
    if kind == "binary":
        return base64.b64decode(text)
    return _decode(json.loads(text, parse_float=decimal.Decimal), kind)

def _jsonable(value):
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(item) for item in value]
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime.timedelta):
        return str(value)
    return value

def _encode(value, kind):
    if value is None:
        return None
    if isinstance(kind, dict) or kind == "variant":
        return json.dumps(_jsonable(value))
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("byte", "short", "integer", "long"):
        return str(int(value))
    if kind in ("float", "double"):
        return repr(float(value))
    if kind.startswith("decimal"):
        return str(value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value)))
    if kind == "date":
        return value.isoformat()[:10] if isinstance(value, datetime.date) else str(value)
    if kind.startswith("timestamp"):
        if isinstance(value, datetime.datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, datetime.date):
            return value.isoformat() + " 00:00:00"
        return str(value)
    if kind == "binary":
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return base64.b64encode(data).decode("ascii")
    if kind.startswith("interval") and isinstance(value, datetime.timedelta):
        return "%d days %d seconds %d microseconds" % (value.days, value.seconds, value.microseconds)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(_jsonable(value))
    return str(value)

_ROOTS = tuple(sorted({os.path.realpath(p) for p in [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, "/usr/share/zoneinfo"] + [p for p in sys.path if p]}))
_REFUSED = ("socket.", "subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
            "os.system", "os.startfile", "os.kill", "pty.", "ctypes.", "os.remove", "os.unlink", "os.rename",
            "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.chdir", "os.chroot", "os.link", "os.symlink",
            "os.truncate", "os.utime", "os.putenv", "os.unsetenv", "shutil.", "urllib.", "http.", "ftplib.",
            "smtplib.", "poplib.", "imaplib.", "telnetlib.", "webbrowser.", "mmap.", "winreg.", "sqlite3.")

def _inside_roots(path):
    try:
        real = os.path.realpath(path)
    except Exception:
        return False
    return any(real == root or real.startswith(root + os.sep) for root in _ROOTS)

def _hook(event, args):
    if event.startswith(_REFUSED):
        raise PermissionError("%s is not allowed in Python functions of the local workspace" % event)
    if event == "open":
        path, mode = args[0], args[1]
        if path is None or isinstance(path, int):
            return
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        writes = mode is not None and any(flag in str(mode) for flag in "wax+")
        if writes or not _inside_roots(path):
            raise PermissionError("opening %s is not allowed in Python functions of the local workspace" % path)
    elif event in ("os.listdir", "os.scandir", "glob.glob"):
        path = args[0] if args else "."
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if path is not None and not isinstance(path, int) and not _inside_roots(path):
            raise PermissionError("listing %s is not allowed in Python functions of the local workspace" % path)

def main():
    request = json.loads(sys.stdin.read())
    out = sys.stdout
    try:
        import resource
        limit = int(request.get("memory") or 0)
        if limit > 0:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except Exception:
        pass
    captured = io.StringIO()
    sys.stdout = captured
    sys.stderr = captured
    sys.addaudithook(_hook)
    try:
        if request["mode"] == "exec":
            code = _argument(request["arguments"][0], "string") or ""
            try:
                exec(compile(code, "<python_exec>", "exec"), {"__name__": "__main__"})
            except SystemExit:
                pass
            except BaseException:
                traceback.print_exc(file=captured)
            sys.stdout.flush()
            result = {"ok": True, "value": captured.getvalue()}
        else:
            names = request["parameters"]
            for name in names:
                if not name.isidentifier() or keyword.iskeyword(name):
                    raise ValueError("parameter name %r is not a Python identifier" % name)
            body = textwrap.dedent(request["body"]).strip("\n") or "pass"
            source = "def __lakechain_function(%s):\n%s\n" % (", ".join(names), textwrap.indent(body, "    "))
            namespace = {"__name__": "__lakechain_function__"}
            exec(compile(source, "<function %s>" % request["name"], "exec"), namespace)
            values = [_argument(text, kind) for text, kind in zip(request["arguments"], request["parameterTypes"])]
            value = namespace["__lakechain_function"](*values)
            result = {"ok": True, "value": _encode(value, request["returns"])}
    except BaseException as error:
        result = {"ok": False, "error": "%s: %s" % (type(error).__name__, error), "traceback": traceback.format_exc()}
    out.write("\n" + json.dumps(result) + "\n")
    out.flush()

main()
`;

function defaultPython(): string {
  return process.env.LAKECHAIN_PYTHON || (process.platform === 'win32' ? 'python' : 'python3');
}

function udfError(name: string, detail: string): SqlError {
  return new SqlError(
    'UDF_PYSPARK_USER_CODE_ERROR.GENERIC',
    '39000',
    `Execution of function ${name} failed.\n== Error ==\n${detail}`,
  );
}

/** Runs Python functions for the engine, one process per call. */
export class PythonRunner {
  readonly python: string;
  private readonly timeoutMs: number;
  private readonly memoryBytes: number;

  constructor(options: PythonRunnerOptions = {}) {
    this.python = options.python ?? defaultPython();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
  }

  /** Runs one call; throws `SqlError` when the code raises, times out or Python is missing. */
  run(request: PythonRequest, signal?: AbortSignal): Promise<PythonResult> {
    if (signal?.aborted)
      return Promise.reject(
        new SqlError('OPERATION_CANCELED', 'HY008', 'The operation was canceled.'),
      );
    const directory = mkdtempSync(join(tmpdir(), 'lakechain-python-'));
    return new Promise<PythonResult>((resolve, reject) => {
      let settled = false;
      const finish = (error: SqlError | undefined, value?: PythonResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        rmSync(directory, { recursive: true, force: true });
        if (error) reject(error);
        else resolve(value ?? null);
      };
      const child = spawn(this.python, ['-I', '-B', '-c', HARNESS], {
        cwd: directory,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: directory,
          TMPDIR: directory,
          LANG: 'C.UTF-8',
          LC_ALL: 'C.UTF-8',
          ...(process.platform === 'win32' ? { SYSTEMROOT: process.env.SYSTEMROOT ?? '' } : {}),
        },
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let size = 0;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(
          udfError(
            request.name,
            `TimeoutError: the Python process ran longer than ${this.timeoutMs} ms and was stopped (catalog option pythonFunctions.timeoutMs).`,
          ),
        );
      }, this.timeoutMs);
      const onAbort = () => {
        child.kill('SIGKILL');
        finish(new SqlError('OPERATION_CANCELED', 'HY008', 'The operation was canceled.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (error: NodeJS.ErrnoException) => {
        finish(
          new SqlError(
            'PYTHON_UNAVAILABLE',
            '58030',
            error.code === 'ENOENT'
              ? `Python functions run in a local Python 3 interpreter, and ${this.python} was not found. Install Python 3 or name an interpreter with the catalog option pythonFunctions.python (or LAKECHAIN_PYTHON).`
              : `Could not start ${this.python} for ${request.name}: ${error.message}`,
          ),
        );
      });
      child.stdout.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_OUTPUT_BYTES) {
          child.kill('SIGKILL');
          finish(udfError(request.name, `The function's output passed ${MAX_OUTPUT_BYTES} bytes.`));
          return;
        }
        stdout.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 64) stderr.push(chunk);
      });
      child.on('close', () => {
        const lines = Buffer.concat(stdout).toString('utf8').trimEnd().split('\n');
        let reply: { ok?: boolean; value?: string | null; error?: string; traceback?: string };
        try {
          reply = JSON.parse(lines[lines.length - 1] ?? '');
        } catch {
          const detail = Buffer.concat(stderr).toString('utf8').trim().slice(-2000);
          finish(
            udfError(
              request.name,
              detail || 'The Python process ended without a result (killed, or out of memory).',
            ),
          );
          return;
        }
        if (reply.ok) finish(undefined, reply.value ?? null);
        else
          finish(
            udfError(
              request.name,
              `${reply.error ?? 'unknown error'}\n== Stacktrace ==\n${reply.traceback ?? ''}`.trim(),
            ),
          );
      });
      child.stdin.on('error', () => {
        /* the process ended before reading everything: its exit reports why */
      });
      child.stdin.end(JSON.stringify({ ...request, memory: this.memoryBytes }));
    });
  }
}
