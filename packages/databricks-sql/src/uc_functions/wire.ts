/**
 * The Unity Catalog functions REST API's shapes (`/api/2.1/unity-catalog/functions`), the fields
 * this package reads. Everything else of a `FunctionInfo` is kept as it came.
 */
import type { TypedParameterInfo } from './uc_types.js';

/** One parameter (or, in `return_params`, one column of a table function). */
export interface FunctionParameterInfo extends TypedParameterInfo {
  name: string;
  position?: number;
  /** SQL text of the default value: the parameter may be left out. */
  parameter_default?: string;
  comment?: string;
  parameter_mode?: 'IN';
  parameter_type?: 'PARAM' | 'COLUMN';
}

/** A function as `GET /api/2.1/unity-catalog/functions/{name}` describes it. */
export interface FunctionInfo {
  name: string;
  catalog_name: string;
  schema_name: string;
  full_name?: string;
  comment?: string;
  input_params?: { parameters?: FunctionParameterInfo[] };
  /** `TABLE_TYPE` for a table function, else the return type's name. */
  data_type?: string;
  full_data_type?: string;
  return_params?: { parameters?: FunctionParameterInfo[] };
  /** `SQL`, or `EXTERNAL` with `external_language` (`Python`). */
  routine_body?: string;
  routine_definition?: string;
  external_language?: string;
  [key: string]: unknown;
}

/** `GET /api/2.1/unity-catalog/functions?catalog_name=&schema_name=`. */
export interface ListFunctionsResponse {
  functions?: FunctionInfo[];
  next_page_token?: string;
}
