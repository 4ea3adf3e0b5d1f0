/**
 * The metadata RPCs (GetCatalogs, GetSchemas, GetTables, GetColumns, GetTableTypes, GetTypeInfo,
 * GetFunctions, GetPrimaryKeys, GetCrossReference): each starts an operation over the engine's
 * JDBC-shaped result set, answered like a statement's.
 */
import type { EngineResult, EngineSession } from '../../engine/sql_engine.js';
import { errorStatus, OperationType, T, type ThriftStruct } from './thrift_types.js';

/** Starts an operation running `run` and answers the RPC with a `Response`. */
export type StartOperation = (
  request: ThriftStruct,
  operationType: number,
  run: (engine: EngineSession, signal: AbortSignal) => Promise<EngineResult>,
  Response: new (args?: Record<string, unknown>) => ThriftStruct,
) => Promise<ThriftStruct>;

export function metadataRpcs(
  startOperation: StartOperation,
): Record<string, (request: ThriftStruct) => Promise<ThriftStruct>> {
  return {
    async GetTypeInfo(request) {
      return startOperation(
        request,
        OperationType.GET_TYPE_INFO,
        (engine) => engine.getTypeInfo(),
        T.TGetTypeInfoResp as never,
      );
    },

    async GetCatalogs(request) {
      return startOperation(
        request,
        OperationType.GET_CATALOGS,
        (engine) => engine.getCatalogs(),
        T.TGetCatalogsResp as never,
      );
    },

    async GetSchemas(request) {
      return startOperation(
        request,
        OperationType.GET_SCHEMAS,
        (engine) =>
          engine.getSchemas({
            catalogName: request.catalogName ?? undefined,
            schemaName: request.schemaName ?? undefined,
          }),
        T.TGetSchemasResp as never,
      );
    },

    async GetTables(request) {
      return startOperation(
        request,
        OperationType.GET_TABLES,
        (engine) =>
          engine.getTables({
            catalogName: request.catalogName ?? undefined,
            schemaName: request.schemaName ?? undefined,
            tableName: request.tableName ?? undefined,
            tableTypes: request.tableTypes ?? undefined,
          }),
        T.TGetTablesResp as never,
      );
    },

    async GetTableTypes(request) {
      return startOperation(
        request,
        OperationType.GET_TABLE_TYPES,
        (engine) => engine.getTableTypes(),
        T.TGetTableTypesResp as never,
      );
    },

    async GetColumns(request) {
      return startOperation(
        request,
        OperationType.GET_COLUMNS,
        (engine) =>
          engine.getColumns({
            catalogName: request.catalogName ?? undefined,
            schemaName: request.schemaName ?? undefined,
            tableName: request.tableName ?? undefined,
            columnName: request.columnName ?? undefined,
          }),
        T.TGetColumnsResp as never,
      );
    },

    async GetFunctions(request) {
      return startOperation(
        request,
        OperationType.GET_FUNCTIONS,
        (engine) =>
          engine.getFunctions({
            catalogName: request.catalogName ?? undefined,
            schemaName: request.schemaName ?? undefined,
            functionName: request.functionName ?? '%',
          }),
        T.TGetFunctionsResp as never,
      );
    },

    async GetPrimaryKeys(request) {
      return startOperation(
        request,
        OperationType.UNKNOWN,
        (engine) =>
          engine.getPrimaryKeys({
            catalogName: request.catalogName ?? undefined,
            schemaName: request.schemaName ?? '',
            tableName: request.tableName ?? '',
          }),
        T.TGetPrimaryKeysResp as never,
      );
    },

    async GetCrossReference(_request) {
      return new T.TGetCrossReferenceResp({
        status: errorStatus({
          message:
            'GetCrossReference is not supported: Unity Catalog has no enforced foreign keys here.',
          sqlState: '0A000',
        }),
      });
    },
  };
}
