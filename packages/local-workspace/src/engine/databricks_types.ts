/**
 * DuckDB types → Databricks type names (`INTEGER` → `INT`, `VARCHAR[]` → `ARRAY<STRING>`, ...),
 * the column metadata of results, and java.sql.Types codes for the metadata RPCs.
 */
import {
  type DuckDBArrayType,
  type DuckDBDecimalType,
  type DuckDBListType,
  type DuckDBMapType,
  type DuckDBStructType,
  type DuckDBType,
  DuckDBTypeId,
} from '@duckdb/node-api';
import type { ColumnMetadata } from './sql_engine.js';

export interface DatabricksType {
  /** Full name, e.g. `DECIMAL(12,2)`, `ARRAY<STRING>`. */
  name: string;
  /** `DECIMAL`, `ARRAY`, `STRING`, ... */
  base: string;
  precision?: number;
  scale?: number;
}

const SIMPLE: Partial<Record<DuckDBTypeId, string>> = {
  [DuckDBTypeId.BOOLEAN]: 'BOOLEAN',
  [DuckDBTypeId.TINYINT]: 'TINYINT',
  [DuckDBTypeId.SMALLINT]: 'SMALLINT',
  [DuckDBTypeId.INTEGER]: 'INT',
  [DuckDBTypeId.BIGINT]: 'BIGINT',
  [DuckDBTypeId.UTINYINT]: 'SMALLINT',
  [DuckDBTypeId.USMALLINT]: 'INT',
  [DuckDBTypeId.UINTEGER]: 'BIGINT',
  // Aggregates over INT produce HUGEINT in DuckDB where Spark says BIGINT.
  [DuckDBTypeId.HUGEINT]: 'BIGINT',
  [DuckDBTypeId.INTEGER_LITERAL]: 'INT',
  [DuckDBTypeId.FLOAT]: 'FLOAT',
  [DuckDBTypeId.DOUBLE]: 'DOUBLE',
  [DuckDBTypeId.DATE]: 'DATE',
  [DuckDBTypeId.TIMESTAMP]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_S]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_MS]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_NS]: 'TIMESTAMP',
  [DuckDBTypeId.TIMESTAMP_TZ]: 'TIMESTAMP',
  [DuckDBTypeId.VARCHAR]: 'STRING',
  [DuckDBTypeId.STRING_LITERAL]: 'STRING',
  [DuckDBTypeId.ENUM]: 'STRING',
  [DuckDBTypeId.UUID]: 'STRING',
  [DuckDBTypeId.TIME]: 'STRING',
  [DuckDBTypeId.TIME_TZ]: 'STRING',
  [DuckDBTypeId.TIME_NS]: 'STRING',
  [DuckDBTypeId.BLOB]: 'BINARY',
  [DuckDBTypeId.BIT]: 'BINARY',
  [DuckDBTypeId.SQLNULL]: 'VOID',
  [DuckDBTypeId.INTERVAL]: 'INTERVAL',
  [DuckDBTypeId.UNION]: 'STRING',
  [DuckDBTypeId.VARIANT]: 'STRING',
  [DuckDBTypeId.GEOMETRY]: 'BINARY',
};

/** The Databricks type of a DuckDB type. */
export function databricksType(t: DuckDBType): DatabricksType {
  switch (t.typeId) {
    case DuckDBTypeId.DECIMAL: {
      const d = t as DuckDBDecimalType;
      return {
        name: `DECIMAL(${d.width},${d.scale})`,
        base: 'DECIMAL',
        precision: d.width,
        scale: d.scale,
      };
    }
    case DuckDBTypeId.UBIGINT:
      return { name: 'DECIMAL(20,0)', base: 'DECIMAL', precision: 20, scale: 0 };
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return { name: 'DECIMAL(38,0)', base: 'DECIMAL', precision: 38, scale: 0 };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const inner = databricksType((t as DuckDBListType | DuckDBArrayType).valueType);
      return { name: `ARRAY<${inner.name}>`, base: 'ARRAY' };
    }
    case DuckDBTypeId.MAP: {
      const m = t as DuckDBMapType;
      return {
        name: `MAP<${databricksType(m.keyType).name},${databricksType(m.valueType).name}>`,
        base: 'MAP',
      };
    }
    case DuckDBTypeId.STRUCT: {
      const s = t as DuckDBStructType;
      const fields = s.entryNames.map(
        (n, i) => `${n}:${databricksType(s.entryTypes[i] as DuckDBType).name}`,
      );
      return { name: `STRUCT<${fields.join(',')}>`, base: 'STRUCT' };
    }
    default: {
      const name = SIMPLE[t.typeId] ?? 'STRING';
      return { name, base: name };
    }
  }
}

export function columnMetadata(
  name: string,
  t: DuckDBType,
  nullable = true,
  comment?: string,
): ColumnMetadata {
  const d = databricksType(t);
  const c: ColumnMetadata = { name, type: d.name, baseType: d.base, nullable };
  if (d.precision !== undefined) c.precision = d.precision;
  if (d.scale !== undefined) c.scale = d.scale;
  if (comment !== undefined && comment !== null && comment !== '') c.comment = comment;
  return c;
}

/** Simple (non-DuckDB-typed) column metadata for emulated result sets. */
export function simpleColumn(name: string, type: string, nullable = true): ColumnMetadata {
  const m = /^(\w+)/.exec(type);
  const base = (m?.[1] ?? type).toUpperCase();
  const c: ColumnMetadata = { name, type, baseType: base, nullable };
  const dm = /^DECIMAL\((\d+),(\d+)\)$/i.exec(type);
  if (dm) {
    c.precision = Number(dm[1]);
    c.scale = Number(dm[2]);
  }
  return c;
}

/** java.sql.Types code of a Databricks base type. */
export function jdbcTypeCode(base: string): number {
  switch (base) {
    case 'BOOLEAN':
      return 16;
    case 'TINYINT':
      return -6;
    case 'SMALLINT':
      return 5;
    case 'INT':
      return 4;
    case 'BIGINT':
      return -5;
    case 'FLOAT':
      return 6;
    case 'DOUBLE':
      return 8;
    case 'DECIMAL':
      return 3;
    case 'DATE':
      return 91;
    case 'TIMESTAMP':
      return 93;
    case 'STRING':
      return 12;
    case 'BINARY':
      return -2;
    case 'ARRAY':
      return 2003;
    case 'MAP':
      return 2000;
    case 'STRUCT':
      return 2002;
    case 'VOID':
      return 0;
    case 'INTERVAL':
      return 1111;
    default:
      return 1111;
  }
}
