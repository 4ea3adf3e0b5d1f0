/**
 * What ExecuteStatement receives besides the SQL: `TSparkParameter`s as engine parameters, and
 * the statement's timeout.
 */
import type { ParameterValue, StatementParameters } from '../../engine/sql_engine.js';
import { int64ToNumber, type ThriftStruct } from './thrift_types.js';

function decodeParameterValue(type: string | undefined, text: string | undefined): ParameterValue {
  if (text === undefined || text === null) return null;
  switch ((type ?? 'STRING').toUpperCase()) {
    case 'VOID':
      return null;
    case 'BOOLEAN':
      return text.toUpperCase() === 'TRUE';
    case 'BIGINT':
    case 'LONG':
      return /^[+-]?\d+$/.test(text) ? BigInt(text) : Number(text);
    case 'INTEGER':
    case 'INT':
    case 'SMALLINT':
    case 'TINYINT':
    case 'DOUBLE':
    case 'FLOAT':
      return Number(text);
    default:
      return text;
  }
}

/** TSparkParameter[] → StatementParameters: named when any parameter has a name, else positional. */
export function decodeParameters(
  parameters: ThriftStruct[] | null | undefined,
): StatementParameters {
  if (!parameters || parameters.length === 0) return {};
  const named: NonNullable<StatementParameters['named']> = {};
  const positional: NonNullable<StatementParameters['positional']> = [];
  const ordered = [...parameters].sort((left, right) => (left.ordinal ?? 0) - (right.ordinal ?? 0));
  for (const parameter of ordered) {
    const type: string | undefined = parameter.type ?? undefined;
    const value = parameter.value;
    let text: string | undefined;
    if (value?.stringValue !== undefined && value?.stringValue !== null) text = value.stringValue;
    else if (typeof value?.doubleValue === 'number') text = String(value.doubleValue);
    else if (typeof value?.booleanValue === 'boolean') text = value.booleanValue ? 'TRUE' : 'FALSE';
    const decoded = {
      value: decodeParameterValue(type, text),
      type: type ?? (text === undefined ? 'VOID' : undefined),
    };
    if (parameter.name) named[parameter.name] = decoded;
    else positional.push(decoded);
  }
  return Object.keys(named).length > 0 ? { named } : { positional };
}

/**
 * The timeout of a statement in seconds: `queryTimeout` of the request, else the
 * `STATEMENT_TIMEOUT` of the statement's confOverlay or of the session configuration. 0 = none.
 */
export function statementTimeoutSeconds(
  request: ThriftStruct,
  sessionConfiguration: Record<string, string>,
): number {
  const fromRequest = int64ToNumber(request?.queryTimeout, 0);
  if (fromRequest > 0) return fromRequest;
  const configured = Number(
    request?.confOverlay?.STATEMENT_TIMEOUT ?? sessionConfiguration.STATEMENT_TIMEOUT ?? 0,
  );
  return Number.isFinite(configured) && configured > 0 ? configured : 0;
}
