/**
 * The TCLIService vocabulary of the warehouse: the generated Thrift structs shipped with
 * `@databricks/sql` (used as-is, never copied), protocol constants, and the mapping from a
 * Databricks type name (`DECIMAL(10,2)`, `ARRAY<STRING>`) to a `TTypeDesc`.
 */
import { randomUUID } from 'node:crypto';
import dbsql from '@databricks/sql';
import thrift from 'thrift';
import type { ColumnMetadata } from '../../engine/sql_engine.js';

// biome-ignore lint/suspicious/noExplicitAny: the generated structs are typed loosely on purpose.
export type ThriftStruct = any;
type StructConstructor = new (args?: Record<string, unknown>) => ThriftStruct;

const STRUCT_NAMES = [
  'TStatus',
  'TTypeQualifierValue',
  'TTypeQualifiers',
  'TPrimitiveTypeEntry',
  'TTypeEntry',
  'TTypeDesc',
  'TColumnDesc',
  'TTableSchema',
  'TBoolColumn',
  'TByteColumn',
  'TI16Column',
  'TI32Column',
  'TI64Column',
  'TDoubleColumn',
  'TStringColumn',
  'TBinaryColumn',
  'TColumn',
  'TRowSet',
  'TSparkArrowBatch',
  'TNamespace',
  'THandleIdentifier',
  'TSessionHandle',
  'TOperationHandle',
  'TOpenSessionResp',
  'TCloseSessionResp',
  'TGetInfoValue',
  'TGetInfoResp',
  'TSparkDirectResults',
  'TExecuteStatementResp',
  'TGetTypeInfoResp',
  'TGetCatalogsResp',
  'TGetSchemasResp',
  'TGetTablesResp',
  'TGetTableTypesResp',
  'TGetColumnsResp',
  'TGetFunctionsResp',
  'TGetPrimaryKeysResp',
  'TGetCrossReferenceResp',
  'TGetOperationStatusResp',
  'TCancelOperationResp',
  'TCloseOperationResp',
  'TGetResultSetMetadataResp',
  'TFetchResultsResp',
  'TGetDelegationTokenResp',
  'TCancelDelegationTokenResp',
  'TRenewDelegationTokenResp',
] as const;
type StructName = (typeof STRUCT_NAMES)[number];

/** Constructors of the generated structs (`TStatus`, `TRowSet`, ...), from the driver's own module. */
export const T = (
  dbsql as unknown as { thrift: { TCLIService_types: Record<StructName, StructConstructor> } }
).thrift.TCLIService_types;
for (const name of STRUCT_NAMES) {
  if (typeof T[name] !== 'function')
    throw new Error(`@databricks/sql ships no Thrift struct ${name}`);
}

/** The generated TCLIService module (its `Processor` serves the handler). */
export const TCLIService = (
  dbsql as unknown as {
    thrift: {
      TCLIService: {
        Processor: new (handler: object) => { process(input: unknown, output: unknown): void };
      };
    };
  }
).thrift.TCLIService;

export const Int64 = thrift.Int64;
export type Int64Value = InstanceType<typeof thrift.Int64>;

/** Wire constants of the TCLIService IDL (values as in the Databricks-extended IDL). */
export const StatusCode = {
  SUCCESS: 0,
  SUCCESS_WITH_INFO: 1,
  STILL_EXECUTING: 2,
  ERROR: 3,
  INVALID_HANDLE: 4,
} as const;
export const OperationState = {
  INITIALIZED: 0,
  RUNNING: 1,
  FINISHED: 2,
  CANCELED: 3,
  CLOSED: 4,
  ERROR: 5,
  UNKNOWN: 6,
  PENDING: 7,
  TIMEDOUT: 8,
} as const;
export type OperationStateValue = (typeof OperationState)[keyof typeof OperationState];
export const OperationType = {
  EXECUTE_STATEMENT: 0,
  GET_TYPE_INFO: 1,
  GET_CATALOGS: 2,
  GET_SCHEMAS: 3,
  GET_TABLES: 4,
  GET_TABLE_TYPES: 5,
  GET_COLUMNS: 6,
  GET_FUNCTIONS: 7,
  UNKNOWN: 8,
} as const;
export const FetchOrientation = {
  NEXT: 0,
  PRIOR: 1,
  RELATIVE: 2,
  ABSOLUTE: 3,
  FIRST: 4,
  LAST: 5,
} as const;
export const RowSetType = {
  ARROW_BASED_SET: 0,
  COLUMN_BASED_SET: 1,
  ROW_BASED_SET: 2,
  URL_BASED_SET: 3,
} as const;
/** `SPARK_CLI_SERVICE_PROTOCOL_V8`: the newest version the driver knows; enables parameters. */
export const SERVER_PROTOCOL_VERSION = 0xa508;
export const SPARK_PROTOCOL_V1 = 0xa501;

export const TypeId = {
  BOOLEAN: 0,
  TINYINT: 1,
  SMALLINT: 2,
  INT: 3,
  BIGINT: 4,
  FLOAT: 5,
  DOUBLE: 6,
  STRING: 7,
  TIMESTAMP: 8,
  BINARY: 9,
  ARRAY: 10,
  MAP: 11,
  STRUCT: 12,
  UNION: 13,
  USER_DEFINED: 14,
  DECIMAL: 15,
  NULL: 16,
  DATE: 17,
  VARCHAR: 18,
  CHAR: 19,
  INTERVAL_YEAR_MONTH: 20,
  INTERVAL_DAY_TIME: 21,
} as const;
export type TypeIdValue = (typeof TypeId)[keyof typeof TypeId];

const BASE_TYPE_IDS: Record<string, TypeIdValue> = {
  BOOLEAN: TypeId.BOOLEAN,
  TINYINT: TypeId.TINYINT,
  BYTE: TypeId.TINYINT,
  SMALLINT: TypeId.SMALLINT,
  SHORT: TypeId.SMALLINT,
  INT: TypeId.INT,
  INTEGER: TypeId.INT,
  BIGINT: TypeId.BIGINT,
  LONG: TypeId.BIGINT,
  FLOAT: TypeId.FLOAT,
  REAL: TypeId.FLOAT,
  DOUBLE: TypeId.DOUBLE,
  STRING: TypeId.STRING,
  VARCHAR: TypeId.VARCHAR,
  CHAR: TypeId.CHAR,
  TIMESTAMP: TypeId.TIMESTAMP,
  TIMESTAMP_NTZ: TypeId.TIMESTAMP,
  TIMESTAMP_LTZ: TypeId.TIMESTAMP,
  DATE: TypeId.DATE,
  BINARY: TypeId.BINARY,
  DECIMAL: TypeId.DECIMAL,
  DEC: TypeId.DECIMAL,
  NUMERIC: TypeId.DECIMAL,
  ARRAY: TypeId.ARRAY,
  MAP: TypeId.MAP,
  STRUCT: TypeId.STRUCT,
  VOID: TypeId.NULL,
  NULL: TypeId.NULL,
};

/** The base name of a Databricks type: `DECIMAL(10,2)` → `DECIMAL`, `ARRAY<INT>` → `ARRAY`. */
export function baseTypeOf(type: string): string {
  const match = /^\s*([A-Za-z_]+)/.exec(type);
  return (match?.[1] ?? 'STRING').toUpperCase();
}

/** The `TTypeId` Databricks reports for a column; unknown types travel as STRING. */
export function typeIdOf(column: Pick<ColumnMetadata, 'type' | 'baseType'>): TypeIdValue {
  const base = (column.baseType || baseTypeOf(column.type)).toUpperCase();
  if (base.startsWith('INTERVAL')) {
    return /YEAR|MONTH/i.test(column.type) && !/DAY|HOUR|MINUTE|SECOND/i.test(column.type)
      ? TypeId.INTERVAL_YEAR_MONTH
      : TypeId.INTERVAL_DAY_TIME;
  }
  return BASE_TYPE_IDS[base] ?? TypeId.STRING;
}

function decimalQualifiers(column: ColumnMetadata): { precision: number; scale: number } {
  if (column.precision !== undefined)
    return { precision: column.precision, scale: column.scale ?? 0 };
  const match = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(column.type);
  return { precision: Number(match?.[1] ?? 10), scale: Number(match?.[2] ?? 0) };
}

/**
 * The `TTypeDesc` of a column. Like Databricks, complex types are described by a primitive entry
 * of the complex type id (the full type is in the column comment-free `typeName` of metadata
 * results and in the JSON text of the values); DECIMAL carries precision/scale qualifiers and
 * VARCHAR/CHAR their length.
 */
export function typeDescOf(column: ColumnMetadata): ThriftStruct {
  const type = typeIdOf(column);
  let typeQualifiers: ThriftStruct;
  if (type === TypeId.DECIMAL) {
    const { precision, scale } = decimalQualifiers(column);
    typeQualifiers = new T.TTypeQualifiers({
      qualifiers: {
        precision: new T.TTypeQualifierValue({ i32Value: precision }),
        scale: new T.TTypeQualifierValue({ i32Value: scale }),
      },
    });
  } else if (type === TypeId.VARCHAR || type === TypeId.CHAR) {
    const length = /\(\s*(\d+)\s*\)/.exec(column.type)?.[1];
    if (length) {
      typeQualifiers = new T.TTypeQualifiers({
        qualifiers: {
          characterMaximumLength: new T.TTypeQualifierValue({ i32Value: Number(length) }),
        },
      });
    }
  }
  return new T.TTypeDesc({
    types: [
      new T.TTypeEntry({ primitiveEntry: new T.TPrimitiveTypeEntry({ type, typeQualifiers }) }),
    ],
  });
}

export function tableSchemaOf(columns: ColumnMetadata[]): ThriftStruct {
  return new T.TTableSchema({
    columns: columns.map(
      (column, index) =>
        new T.TColumnDesc({
          columnName: column.name,
          typeDesc: typeDescOf(column),
          position: index + 1,
          comment: column.comment,
        }),
    ),
  });
}

export function successStatus(): ThriftStruct {
  return new T.TStatus({ statusCode: StatusCode.SUCCESS });
}

export interface StatusErrorDetail {
  message: string;
  sqlState?: string;
  errorCode?: number;
}

export function errorStatus(
  detail: StatusErrorDetail,
  code: number = StatusCode.ERROR,
): ThriftStruct {
  return new T.TStatus({
    statusCode: code,
    errorMessage: detail.message,
    displayMessage: detail.message,
    sqlState: detail.sqlState,
    errorCode: detail.errorCode ?? 0,
  });
}

/** 16 random bytes from `randomUUID()`, which draws from a cached pool of entropy. */
function uuidBytes(): Buffer {
  return Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
}

/**
 * A new handle identifier: a real UUID in `guid` (the driver stringifies it) and a random secret.
 * The secret is a second UUID's bytes: `randomBytes(16)` asked the system for entropy on every
 * statement (about 25 µs on a loaded machine), `randomUUID()` refills its pool once per 128.
 */
export function newHandleIdentifier(): ThriftStruct {
  return new T.THandleIdentifier({ guid: uuidBytes(), secret: uuidBytes() });
}

/** The registry key of a handle identifier. */
export function handleKey(identifier: { guid?: Buffer } | undefined | null): string {
  return identifier?.guid ? Buffer.from(identifier.guid).toString('hex') : '';
}

export function toInt64(value: number | bigint): Int64Value {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(value));
  return new Int64(buffer);
}

export function int64ToNumber(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const number = (value as Int64Value).toNumber?.(true);
  return typeof number === 'number' && Number.isFinite(number) ? number : fallback;
}
