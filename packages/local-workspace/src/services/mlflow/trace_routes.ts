/**
 * MLflow 3 traces on Databricks: StartTraceV3 (`POST /api/3.0/mlflow/traces`), search, get, the
 * signed URLs of a trace's data (`credentials-for-data-upload` / `-download`; the spans go to
 * cloud storage as `traces.json`, never through the workspace API) and linking traces to runs.
 */
import { type ApiContext, type ApiRoute, missing, optionalInteger, requiredString } from './api.js';
import { presignUrl } from './presign.js';
import { invalidParameter, type MlflowStore } from './state.js';

const TRACE_STATES = new Set(['STATE_UNSPECIFIED', 'OK', 'ERROR', 'IN_PROGRESS']);

export function traceRoutes(store: MlflowStore): ApiRoute[] {
  const traceCredential = (context: ApiContext, method: 'GET' | 'PUT') => {
    const trace = store.trace(context.captures[0] ?? '');
    const location = (trace.info.tags as Record<string, string>)['mlflow.artifactLocation'];
    const type = store.settings.artifactCredentialType;
    const signed = presignUrl(store, { uri: `${location}/traces.json`, method, type });
    return { credential_info: { type, signed_uri: signed.url, headers: signed.headers } };
  };

  return [
    {
      methods: ['POST'],
      pattern: /^\/api\/3\.0\/mlflow\/traces$/,
      name: 'mlflow-traces',
      handler: (context) => {
        const trace = context.body.trace as { trace_info?: Record<string, unknown> } | undefined;
        const info = trace?.trace_info;
        if (!info || typeof info !== 'object') throw missing('trace.trace_info');
        const traceId = info.trace_id;
        if (typeof traceId !== 'string' || traceId === '')
          throw missing('trace.trace_info.trace_id');
        // The id becomes a path segment of the artifact location and of the trace routes.
        if (!/^[\w.:-]+$/.test(traceId) || traceId === '.' || traceId === '..')
          throw invalidParameter(
            `Invalid trace id ${JSON.stringify(traceId)}: use letters, digits, '-', '_', '.' and ':' (MLflow ids look like tr-<32 hex digits>).`,
          );
        const location = info.trace_location as
          | { type?: string; mlflow_experiment?: { experiment_id?: unknown } }
          | undefined;
        if (location?.type !== 'MLFLOW_EXPERIMENT')
          throw invalidParameter(
            `Unsupported trace location type '${String(location?.type)}': the local workspace stores traces in MLflow experiments (type MLFLOW_EXPERIMENT).`,
          );
        const experimentId = location.mlflow_experiment?.experiment_id;
        if (typeof experimentId !== 'string' && typeof experimentId !== 'number')
          throw missing('trace.trace_info.trace_location.mlflow_experiment.experiment_id');
        const experiment = store.experiment(String(experimentId));
        const state = info.state ?? 'STATE_UNSPECIFIED';
        if (typeof state !== 'string' || !TRACE_STATES.has(state))
          throw invalidParameter(
            `Invalid trace state ${JSON.stringify(state)}. Must be one of ${[...TRACE_STATES].join(', ')}.`,
          );
        const tags = { ...((info.tags as Record<string, string> | undefined) ?? {}) };
        tags['mlflow.artifactLocation'] =
          `${experiment.artifactLocation}/traces/${traceId}/artifacts`;
        const stored = structuredClone({ ...info, state, tags });
        const previous = store.traces.get(traceId);
        store.traces.set(traceId, {
          traceId,
          experimentId: experiment.id,
          info: stored,
          linkedRunIds: previous?.linkedRunIds ?? new Set(),
        });
        return { trace: { trace_info: structuredClone(stored) } };
      },
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/3\.0\/mlflow\/traces\/search$/,
      name: 'mlflow-traces',
      handler: (context) => {
        const locations = context.body.locations;
        const ids = new Set<string>();
        if (Array.isArray(locations))
          for (const location of locations as Array<{
            mlflow_experiment?: { experiment_id?: unknown };
          }>)
            if (location?.mlflow_experiment?.experiment_id !== undefined)
              ids.add(String(location.mlflow_experiment.experiment_id));
        if (ids.size === 0) throw missing('locations');
        const max = optionalInteger(context, 'max_results') ?? 100;
        const traces = [...store.traces.values()]
          .filter((trace) => ids.has(trace.experimentId))
          .sort((a, b) =>
            String(b.info.request_time ?? '').localeCompare(String(a.info.request_time ?? '')),
          )
          .slice(0, max)
          .map((trace) => structuredClone(trace.info));
        return { traces };
      },
    },
    {
      methods: ['GET'],
      // `traces/get` is a different (OSS) endpoint, not the trace named "get".
      pattern: /^\/api\/3\.0\/mlflow\/traces\/(?!get$)([^/]+)$/,
      name: 'mlflow-traces',
      handler: (context) => ({
        trace: { trace_info: structuredClone(store.trace(context.captures[0] ?? '').info) },
      }),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/mlflow\/traces\/([^/]+)\/credentials-for-data-upload$/,
      name: 'mlflow-traces',
      handler: (context) => traceCredential(context, 'PUT'),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/mlflow\/traces\/([^/]+)\/credentials-for-data-download$/,
      name: 'mlflow-traces',
      handler: (context) => traceCredential(context, 'GET'),
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/traces\/link-to-run$/,
      name: 'mlflow-traces',
      handler: (context) => {
        const traceIds = context.body.trace_ids;
        if (!Array.isArray(traceIds) || traceIds.length === 0) throw missing('trace_ids');
        const run = store.run(requiredString(context, 'run_id'));
        const traces = traceIds.map((id) => store.trace(String(id)));
        for (const trace of traces) trace.linkedRunIds.add(run.info.run_id);
        return {};
      },
    },
  ];
}
