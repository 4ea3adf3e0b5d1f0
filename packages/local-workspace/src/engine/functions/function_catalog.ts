/**
 * The engine's Unity Catalog functions: one record per function, whoever created it (`CREATE
 * FUNCTION` in any session, or the functions REST API), so SQL and the API see the same objects.
 * SQL functions are also DuckDB macros in their schema's database (compile_function.ts); Python
 * functions run in a Python process (python_runner.ts). `system.ai.python_exec` is built in.
 */
import { randomUUID } from 'node:crypto';
import { functionRewrite, rewrittenFunctionNames } from '../dialect/functions.js';
import type { RoutineResolver } from '../dialect/routine_calls.js';
import { parseTypeText, typeJson } from '../dialect/spark_types.js';
import type { Catalogs } from '../dialect/translate_context.js';
import { quoteName } from '../errors.js';
import { SqlError } from '../sql_error.js';
import { compileSqlFunction, dropMacroSql } from './compile_function.js';
import {
  type FunctionDefinition,
  type FunctionReturns,
  type FunctionSpec,
  fullNameOf,
  LOCAL_USER,
} from './function_definition.js';
import type { PythonRunner } from './python_runner.js';
import type { UnityCatalogFunctions } from './unity_catalog_functions.js';

export type { UnityCatalogFunctions } from './unity_catalog_functions.js';

/** What the catalog needs of the engine. */
export interface FunctionCatalogHost {
  catalogs: Catalogs;
  /** NO_SUCH_CATALOG_EXCEPTION / SCHEMA_NOT_FOUND when missing. */
  checkNamespace(catalog: string, schema: string): Promise<void>;
  /** Runs DuckDB DDL on the engine's boot connection (errors classified). */
  runDdl(sql: string): Promise<unknown[][]>;
  /** Names of DuckDB's built-in functions, lower case (they win over an unqualified UC name). */
  builtinNames: ReadonlySet<string>;
  python: PythonRunner;
  /** Python functions may be refused (engine option `pythonFunctions: { enabled: false }`). */
  pythonEnabled: boolean;
}

export function routineNotFound(name: string): SqlError {
  return new SqlError(
    'ROUTINE_NOT_FOUND',
    '42883',
    `The routine ${quoteName(name)} cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a schema and catalog, verify the current_schema() output, or qualify the name with the correct schema and catalog.`,
  );
}

/** Databricks' description of its code interpreter tool (as its FunctionInfo comment says). */
const PYTHON_EXEC_COMMENT =
  'Executes Python code in the sandboxed environment and returns its stdout. The runtime is stateless and you can not read output of the previous tool executions. i.e. No such variables "rows", "observation" defined. Calling another tool inside a Python code is NOT allowed. Use standard python libraries only.';

function pythonExec(): FunctionDefinition {
  return {
    catalog: 'system',
    schema: 'ai',
    name: 'python_exec',
    fullName: 'system.ai.python_exec',
    functionId: '00000000-0000-0000-0000-000000000001',
    parameters: [
      {
        name: 'code',
        type: parseTypeText('STRING'),
        comment: 'Python code to execute. Remember to print the final result to stdout.',
      },
    ],
    returns: { kind: 'scalar', type: parseTypeText('STRING') },
    language: 'PYTHON',
    body: '# built in: runs `code` and returns what it prints (stdout and stderr)',
    deterministic: false,
    dataAccess: 'NO_SQL',
    comment: PYTHON_EXEC_COMMENT,
    owner: 'System user',
    createdAt: Date.UTC(2024, 0, 1),
    createdBy: 'System user',
    updatedAt: Date.UTC(2024, 0, 1),
    updatedBy: 'System user',
    sqlPath: '`system`.`ai`',
    builtin: 'python_exec',
  };
}

export class FunctionCatalog implements UnityCatalogFunctions, RoutineResolver {
  private readonly functions = new Map<string, FunctionDefinition>();
  private readonly system: FunctionDefinition[] = [pythonExec()];
  /** One CREATE/DROP at a time (check-then-write on the map and DuckDB). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: FunctionCatalogHost) {}

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  list(catalog: string, schema: string): FunctionDefinition[] {
    const prefix = `${catalog.toLowerCase()}.${schema.toLowerCase()}.`;
    return [...this.system, ...this.functions.values()]
      .filter((definition) => definition.fullName.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The built-in function names a session can call, sorted (SHOW SYSTEM FUNCTIONS). */
  systemFunctionNames(): string[] {
    const names = new Set<string>(rewrittenFunctionNames());
    for (const name of this.host.builtinNames)
      if (/^[a-z][a-z0-9_]*$/.test(name) && !name.startsWith('lc_')) names.add(name);
    return [...names].sort();
  }

  /** Whether `name` (one part) is a built-in function. */
  isBuiltin(name: string): boolean {
    const lower = name.toLowerCase();
    return this.host.builtinNames.has(lower) || functionRewrite(lower) !== undefined;
  }

  /** Every user function (for SHOW USER FUNCTIONS across schemas). */
  all(): FunctionDefinition[] {
    return [...this.functions.values()].sort((a, b) => a.fullName.localeCompare(b.fullName));
  }

  get(fullName: string): FunctionDefinition | undefined {
    const key = fullName.toLowerCase();
    return this.functions.get(key) ?? this.system.find((d) => d.fullName === key);
  }

  async checkNamespace(catalog: string, schema: string): Promise<void> {
    if (
      this.system.some(
        (d) => d.catalog === catalog.toLowerCase() && d.schema === schema.toLowerCase(),
      )
    )
      return;
    await this.host.checkNamespace(catalog.toLowerCase(), schema.toLowerCase());
  }

  /** Whether a schema (or, without one, a catalog) holds user functions. */
  hasFunctions(catalog: string, schema?: string): boolean {
    const prefix = schema === undefined ? `${catalog}.` : `${catalog}.${schema}.`;
    return [...this.functions.keys()].some((name) => name.startsWith(prefix));
  }

  /** Forgets the functions of a dropped schema or catalog (DuckDB dropped their macros). */
  forgetNamespace(catalog: string, schema?: string): void {
    const prefix = schema === undefined ? `${catalog}.` : `${catalog}.${schema}.`;
    for (const name of [...this.functions.keys()])
      if (name.startsWith(prefix)) this.functions.delete(name);
  }

  resolve(parts: string[], catalog: string, schema: string): FunctionDefinition | undefined {
    const lower = parts.map((part) => part.toLowerCase());
    if (lower.length === 3) return this.get(lower.join('.'));
    if (lower.length === 2) {
      // builtin.f / session.f name built-in and temporary functions.
      if (lower[0] === 'builtin' || lower[0] === 'session') return undefined;
      return this.get(`${catalog}.${lower[0]}.${lower[1]}`);
    }
    if (lower.length !== 1) return undefined;
    const name = lower[0] as string;
    // Built-ins come first on Databricks' search path, then the current schema.
    if (this.host.builtinNames.has(name) || functionRewrite(name)) return undefined;
    return this.get(`${catalog}.${schema}.${name}`);
  }

  create(
    spec: Omit<FunctionSpec, 'returns'> & { returns?: FunctionReturns },
    options: {
      replace?: boolean;
      ifNotExists?: boolean;
      namespace?: { catalog: string; schema: string };
    } = {},
  ): Promise<FunctionDefinition> {
    return this.serial(async () => {
      const catalog = spec.catalog.toLowerCase();
      const schema = spec.schema.toLowerCase();
      const name = spec.name.toLowerCase();
      const fullName = fullNameOf(catalog, schema, name);
      if (catalog === 'system')
        throw new SqlError(
          'INSUFFICIENT_PERMISSIONS',
          '42501',
          `Insufficient privileges: the system catalog is read-only; create ${fullName} in a catalog of your own.`,
        );
      await this.host.checkNamespace(catalog, schema);
      const existing = this.functions.get(fullName);
      if (existing && !options.replace) {
        if (options.ifNotExists) return existing;
        throw new SqlError(
          'ROUTINE_ALREADY_EXISTS',
          '42723',
          `Cannot create the routine ${quoteName(fullName)} because a routine of that name already exists. Choose a different name, drop or replace the existing routine, or add the IF NOT EXISTS clause to tolerate a pre-existing routine.`,
        );
      }
      const namespace = options.namespace ?? { catalog, schema };
      const normalised = { ...spec, catalog, schema, name };
      let returns: FunctionReturns;
      if (spec.language === 'PYTHON') {
        if (!this.host.pythonEnabled)
          throw new SqlError(
            'UNSUPPORTED_FEATURE',
            '0A000',
            'LANGUAGE PYTHON functions are switched off in this local workspace (catalog option pythonFunctions.enabled).',
          );
        if (spec.returns?.kind !== 'scalar')
          throw new SqlError(
            'UNSUPPORTED_FEATURE',
            '0A000',
            'A LANGUAGE PYTHON function returns a scalar type here (Python table functions are not supported by the local warehouse).',
          );
        returns = spec.returns;
        if (existing?.language === 'SQL') await this.dropMacro(existing);
      } else {
        if (existing && existing.returns.kind !== (spec.returns?.kind ?? 'scalar'))
          await this.dropMacro(existing);
        returns = await compileSqlFunction(normalised, namespace, {
          catalogs: this.host.catalogs,
          functions: this,
          run: (sql) => this.host.runDdl(sql),
        });
      }
      const now = Date.now();
      const definition: FunctionDefinition = {
        ...normalised,
        returns,
        fullName,
        functionId: randomUUID(),
        owner: spec.owner ?? existing?.owner ?? LOCAL_USER,
        createdAt: existing?.createdAt ?? now,
        createdBy: existing?.createdBy ?? LOCAL_USER,
        updatedAt: now,
        updatedBy: LOCAL_USER,
        sqlPath: `\`${namespace.catalog}\`.\`${namespace.schema}\``,
      };
      this.functions.set(fullName, definition);
      return definition;
    });
  }

  private async dropMacro(definition: FunctionDefinition): Promise<void> {
    if (definition.language !== 'SQL') return;
    const internal = this.host.catalogs.internalName(definition.catalog);
    if (internal) await this.host.runDdl(dropMacroSql(definition, internal));
  }

  drop(fullName: string, options: { ifExists?: boolean } = {}): Promise<void> {
    return this.serial(async () => {
      const key = fullName.toLowerCase();
      const definition = this.functions.get(key);
      if (!definition) {
        if (this.system.some((d) => d.fullName === key))
          throw new SqlError(
            'INSUFFICIENT_PERMISSIONS',
            '42501',
            `Insufficient privileges: ${key} is a built-in function of the system catalog.`,
          );
        if (options.ifExists) return;
        throw routineNotFound(key);
      }
      await this.dropMacro(definition);
      this.functions.delete(key);
    });
  }

  setOwner(fullName: string, owner: string): FunctionDefinition {
    const key = fullName.toLowerCase();
    const definition = this.functions.get(key);
    if (!definition) throw routineNotFound(key);
    const updated = { ...definition, owner, updatedAt: Date.now(), updatedBy: LOCAL_USER };
    this.functions.set(key, updated);
    return updated;
  }

  async runPython(
    definition: FunctionDefinition,
    argumentsJson: Array<string | null>,
    signal?: AbortSignal,
  ): Promise<string | null> {
    if (!this.host.pythonEnabled)
      throw new SqlError(
        'UNSUPPORTED_FEATURE',
        '0A000',
        `Python functions (${definition.fullName}) are switched off in this local workspace (catalog option pythonFunctions.enabled).`,
      );
    const returns = definition.returns.kind === 'scalar' ? definition.returns.type : undefined;
    return this.host.python.run(
      {
        mode: definition.builtin === 'python_exec' ? 'exec' : 'function',
        name: definition.fullName,
        body: definition.body,
        parameters: definition.parameters.map((p) => p.name),
        parameterTypes: definition.parameters.map((p) => typeJson(p.type)),
        arguments: argumentsJson,
        returns: returns ? typeJson(returns) : 'string',
      },
      signal,
    );
  }
}
