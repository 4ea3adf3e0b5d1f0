/**
 * The TCLIService handler of the warehouse: one promise-style method per RPC (each declares
 * exactly one parameter, so the generated `Processor` treats it as promise-style). Sessions and
 * operations live in a `SessionRegistry`; SQL and metadata run in the `SqlEngine` behind the
 * seam in `engine/sql_engine.ts`. The responses describing an operation are built by
 * `operation_responses.ts`; the metadata RPCs are in `metadata_rpcs.ts`.
 */
import type {
  EngineResult,
  EngineSession,
  SqlEngine,
  StatementParameters,
} from '../../engine/sql_engine.js';
import { type ArrowOptions, arrowOptionsOf } from './arrow_types.js';
import { metadataRpcs } from './metadata_rpcs.js';
import { OperationResponses } from './operation_responses.js';
import { Operation, OperationRequestError } from './operations.js';
import { SessionRegistry, type WarehouseSession } from './sessions.js';
import { decodeParameters, statementTimeoutSeconds } from './thrift_parameters.js';
import {
  errorStatus,
  FetchOrientation,
  handleKey,
  int64ToNumber,
  OperationState,
  OperationType,
  SERVER_PROTOCOL_VERSION,
  StatusCode,
  successStatus,
  T,
  type ThriftStruct,
  toInt64,
} from './thrift_types.js';

export interface ThriftHandlerOptions {
  engine: SqlEngine;
  /** How long ExecuteStatement waits for a fast statement to inline its results. Default 5000 ms. */
  directResultsWaitMs?: number;
  /** Upper bound on rows per page, whatever the client asks. Default 100 000. */
  maxRowsPerPage?: number;
  /** Reported by GetInfo(CLI_DBMS_VER). */
  dbmsVersion?: string;
}

export interface WarehouseHandler {
  /** The object handed to the generated `TCLIService.Processor`. */
  readonly handler: Record<string, (request: ThriftStruct) => Promise<ThriftStruct>>;
  readonly registry: SessionRegistry;
  close(): Promise<void>;
}

/** A request naming a session or operation the server does not know. */
class InvalidHandleError extends Error {}

const GET_INFO: Record<number, string> = {
  13: 'Databricks SQL', // CLI_SERVER_NAME
  17: 'Spark SQL', // CLI_DBMS_NAME
  2: 'Databricks SQL', // CLI_DATA_SOURCE_NAME
  29: '`', // CLI_IDENTIFIER_QUOTE_CHAR
  14: '\\', // CLI_SEARCH_PATTERN_ESCAPE
  10003: 'Y', // CLI_CATALOG_NAME
};

/** How long ExecuteStatement may wait for a statement to finish and answer it inline. */
export const DEFAULT_DIRECT_RESULTS_WAIT_MS = 5000;

export function createWarehouseHandler(options: ThriftHandlerOptions): WarehouseHandler {
  const registry = new SessionRegistry();
  // Databricks answers ExecuteStatement with direct results (one round trip) when the statement
  // finishes within about five seconds, and with a handle to poll otherwise.
  const directWaitMs = options.directResultsWaitMs ?? DEFAULT_DIRECT_RESULTS_WAIT_MS;
  const maxRowsPerPage = options.maxRowsPerPage ?? 100_000;
  let closed = false;

  const sessionOf = (request: ThriftStruct): WarehouseSession => {
    const session = registry.session(handleKey(request?.sessionHandle?.sessionId));
    if (!session)
      throw new InvalidHandleError(
        'Invalid SessionHandle: the session does not exist or was closed.',
      );
    return session;
  };

  const operationOf = (request: ThriftStruct): Operation => {
    const operation = registry.operation(handleKey(request?.operationHandle?.operationId));
    if (!operation)
      throw new InvalidHandleError(
        'Invalid OperationHandle: the operation does not exist or was closed.',
      );
    return operation;
  };

  /** Turn a thrown error into the status of a response. */
  const responses = new OperationResponses();

  const failure = (error: unknown): ThriftStruct => {
    if (error instanceof InvalidHandleError) {
      return errorStatus({ message: error.message, sqlState: 'HY000' }, StatusCode.INVALID_HANDLE);
    }
    if (error instanceof OperationRequestError)
      return errorStatus({ message: error.message, sqlState: error.sqlState });
    const detail = error as { message?: string; sqlState?: string };
    return errorStatus({
      message: detail?.message ?? String(error),
      sqlState: detail?.sqlState ?? 'XX000',
    });
  };

  const pageSize = (requested: unknown, fallback: number) =>
    Math.min(Math.max(1, int64ToNumber(requested, fallback)), maxRowsPerPage);

  /**
   * Start an operation and answer the RPC that created it: with directResults when the client
   * asked for them and the operation settled within the short wait, else RUNNING (the client polls).
   */
  const startOperation = async (
    request: ThriftStruct,
    operationType: number,
    run: (engine: EngineSession, signal: AbortSignal) => Promise<EngineResult>,
    Response: new (args?: Record<string, unknown>) => ThriftStruct,
    timeoutSeconds = 0,
    arrow?: ArrowOptions,
  ): Promise<ThriftStruct> => {
    try {
      if (closed) throw new OperationRequestError('The warehouse is stopping.', '08006');
      const session = sessionOf(request);
      const operation = new Operation(
        session.key,
        operationType,
        (signal) => run(session.engine, signal),
        timeoutSeconds * 1000,
      );
      if (arrow) responses.readArrow(operation, arrow);
      registry.addOperation(session, operation);
      const wantsDirect = Boolean(request.getDirectResults);
      const settled = await operation.settledWithin(wantsDirect ? directWaitMs : 0);

      if (
        settled &&
        (operation.state === OperationState.ERROR || operation.state === OperationState.TIMEDOUT)
      ) {
        // A statement that fails at once: the error travels in the response status (the driver
        // raises StatusError), and the operation is gone.
        const error = operation.error;
        await registry.closeOperation(operation.key);
        return new Response({
          status: errorStatus({
            message: error?.message ?? 'Statement failed',
            sqlState: error?.sqlState,
          }),
          operationHandle: responses.handleOf(operation),
        });
      }
      if (!wantsDirect || !settled) {
        return new Response({
          status: successStatus(),
          operationHandle: responses.handleOf(operation),
        });
      }
      const maxRows = pageSize(request.getDirectResults.maxRows, 100_000);
      const resultSet = operation.hasResultSet
        ? await responses.fetch(operation, maxRows, true)
        : undefined;
      const complete = !resultSet?.hasMoreRows;
      const operationStatus = responses.status(operation);
      const resultSetMetadata = responses.metadata(operation);
      if (complete) await registry.closeOperation(operation.key);
      return new Response({
        status: successStatus(),
        operationHandle: responses.handleOf(operation),
        directResults: new T.TSparkDirectResults({
          operationStatus,
          resultSetMetadata,
          resultSet,
          closeOperation: complete
            ? new T.TCloseOperationResp({ status: successStatus() })
            : undefined,
        }),
      });
    } catch (error) {
      return new Response({ status: failure(error) });
    }
  };

  const handler: WarehouseHandler['handler'] = {
    async OpenSession(request) {
      try {
        if (closed) throw new OperationRequestError('The warehouse is stopping.', '08006');
        const clientVersion = int64ToNumber(
          request.client_protocol_i64,
          request.client_protocol ?? -1,
        );
        const protocolVersion =
          clientVersion > 0
            ? Math.min(clientVersion, SERVER_PROTOCOL_VERSION)
            : SERVER_PROTOCOL_VERSION;
        const configuration: Record<string, string> = { ...(request.configuration ?? {}) };
        const namespace = request.initialNamespace;
        const engine = await options.engine.openSession({
          catalog: namespace?.catalogName ?? undefined,
          schema: namespace?.schemaName ?? undefined,
          configuration,
        });
        const session = registry.add(engine, protocolVersion, configuration);
        return new T.TOpenSessionResp({
          status: successStatus(),
          serverProtocolVersion: protocolVersion,
          sessionHandle: new T.TSessionHandle({ sessionId: session.identifier }),
          configuration: {},
          initialNamespace: new T.TNamespace({
            catalogName: engine.currentCatalog,
            schemaName: engine.currentSchema,
          }),
          canUseMultipleCatalogs: true,
        });
      } catch (error) {
        return new T.TOpenSessionResp({
          status: failure(error),
          serverProtocolVersion: SERVER_PROTOCOL_VERSION,
        });
      }
    },

    async CloseSession(request) {
      const known = await registry.closeSession(handleKey(request?.sessionHandle?.sessionId));
      return new T.TCloseSessionResp({
        status: known ? successStatus() : failure(new InvalidHandleError('Invalid SessionHandle.')),
      });
    },

    async GetInfo(request) {
      try {
        sessionOf(request);
        const infoType: number = request.infoType;
        const value =
          infoType === 18 /* CLI_DBMS_VER */
            ? (options.dbmsVersion ?? '3.5.0')
            : (GET_INFO[infoType] ?? undefined);
        if (value === undefined) {
          if (infoType === 0 || infoType === 1) {
            return new T.TGetInfoResp({
              status: successStatus(),
              infoValue: new T.TGetInfoValue({ integerFlag: 0 }),
            });
          }
          throw new OperationRequestError(`Unsupported GetInfo type ${infoType}.`);
        }
        return new T.TGetInfoResp({
          status: successStatus(),
          infoValue: new T.TGetInfoValue({ stringValue: value }),
        });
      } catch (error) {
        return new T.TGetInfoResp({
          status: failure(error),
          infoValue: new T.TGetInfoValue({ stringValue: '' }),
        });
      }
    },

    async ExecuteStatement(request) {
      const statement: string = request.statement ?? '';
      let parameters: StatementParameters;
      try {
        parameters = decodeParameters(request.parameters);
      } catch (error) {
        return new T.TExecuteStatementResp({ status: failure(error) });
      }
      return startOperation(
        request,
        OperationType.EXECUTE_STATEMENT,
        (engine, signal) => engine.execute(statement, parameters, signal),
        T.TExecuteStatementResp as never,
        statementTimeoutSeconds(
          request,
          registry.session(handleKey(request?.sessionHandle?.sessionId))?.configuration ?? {},
        ),
        arrowOptionsOf(request),
      );
    },

    ...metadataRpcs(startOperation),

    async GetOperationStatus(request) {
      try {
        const operation = operationOf(request);
        // A short wait keeps polling clients from spinning while a fast statement finishes.
        await operation.settledWithin(directWaitMs);
        return responses.status(operation);
      } catch (error) {
        return new T.TGetOperationStatusResp({ status: failure(error) });
      }
    },

    async CancelOperation(request) {
      try {
        await operationOf(request).cancel();
        return new T.TCancelOperationResp({ status: successStatus() });
      } catch (error) {
        return new T.TCancelOperationResp({ status: failure(error) });
      }
    },

    async CloseOperation(request) {
      const known = await registry.closeOperation(handleKey(request?.operationHandle?.operationId));
      return new T.TCloseOperationResp({
        status: known
          ? successStatus()
          : failure(new InvalidHandleError('Invalid OperationHandle.')),
      });
    },

    async GetResultSetMetadata(request) {
      try {
        const operation = operationOf(request);
        await operation.waitUntilSettled();
        if (operation.state !== OperationState.FINISHED) {
          throw new OperationRequestError(
            operation.error?.message ?? 'The operation has no result set.',
            operation.error?.sqlState,
          );
        }
        return responses.metadata(operation);
      } catch (error) {
        return new T.TGetResultSetMetadataResp({ status: failure(error) });
      }
    },

    async FetchResults(request) {
      try {
        const operation = operationOf(request);
        if (request.fetchType === 1) {
          // Operation logs: none are kept.
          return new T.TFetchResultsResp({
            status: successStatus(),
            hasMoreRows: false,
            results: new T.TRowSet({ startRowOffset: toInt64(0), rows: [], columns: [] }),
          });
        }
        const orientation: number = request.orientation ?? FetchOrientation.NEXT;
        if (orientation !== FetchOrientation.NEXT && orientation !== FetchOrientation.FIRST) {
          throw new OperationRequestError(
            'Only FETCH_NEXT (and FETCH_FIRST at the start) are supported.',
            'HY106',
          );
        }
        return await responses.fetch(
          operation,
          pageSize(request.maxRows, 10_000),
          orientation === FetchOrientation.FIRST,
          Boolean(request.includeResultSetMetadata),
        );
      } catch (error) {
        return new T.TFetchResultsResp({ status: failure(error) });
      }
    },

    async GetDelegationToken(_request) {
      return new T.TGetDelegationTokenResp({
        status: errorStatus({ message: 'Delegation tokens are not supported.' }),
      });
    },

    async CancelDelegationToken(_request) {
      return new T.TCancelDelegationTokenResp({
        status: errorStatus({ message: 'Delegation tokens are not supported.' }),
      });
    },

    async RenewDelegationToken(_request) {
      return new T.TRenewDelegationTokenResp({
        status: errorStatus({ message: 'Delegation tokens are not supported.' }),
      });
    },
  };

  return {
    handler,
    registry,
    async close() {
      closed = true;
      await registry.closeAll();
    },
  };
}
