/**
 * `autolog()`: trace every LangChain.js run in the process without touching application code.
 *
 * Mechanism: @langchain/core 1.4 `registerConfigureHook({ handlerClass, envVar })`. Every time a
 * runnable configures its callbacks, core instantiates `handlerClass` when `process.env[envVar]`
 * is "true" and adds it unless a handler with the same name is already there. Alternatives that
 * were ruled out: `setContextVariable` uses `AsyncLocalStorage.enterWith`, which only reaches
 * async work started *after* it in the same async context (calls from an HTTP handler set up
 * earlier never see it), and patching `CallbackManager` prototypes breaks with duplicate copies.
 */
import { registerConfigureHook } from '@langchain/core/context';
import { MlflowTracer, type MlflowTracerOptions } from './tracer.js';

/** The env switch core's configure hook checks on every run. */
export const AUTOLOG_ENV_VAR = 'LAKECHAIN_MLFLOW_AUTOLOG';

let activeTracer: MlflowTracer | undefined;
let hookRegistered = false;

/**
 * Core constructs this class for each configured run. Returning the shared tracer from the
 * constructor (legal in JavaScript) makes every run report to one tracer, so parent/child links
 * between separately configured runnables are preserved and no per-run objects are allocated.
 */
class AutologTracerFactory {
  constructor() {
    if (!activeTracer) throw new Error('MLflow autolog is not enabled');
    // biome-ignore lint/correctness/noConstructorReturn: deliberate, see the class comment
    return activeTracer;
  }
}

export interface AutologOptions extends MlflowTracerOptions {
  /** Turn tracing off again (the hook stays registered but inactive). */
  disable?: boolean;
}

/**
 * Enables MLflow tracing for every LangChain.js run in this process. Returns the tracer, whose
 * `flush()` waits for pending exports. Calling it again replaces the configuration: the previous
 * tracer is closed (its queued traces are exported, then its connection released).
 *
 * @example
 * ```ts
 * import { autolog } from '@lakechain/mlflow-tracking';
 * autolog({ experimentName: 'my-app' }); // MLFLOW_TRACKING_URI from the environment
 * await chain.invoke(input); // traced, no callbacks passed
 * ```
 */
export function autolog(options: AutologOptions = {}): MlflowTracer | undefined {
  const previous = activeTracer;
  if (options.disable) {
    activeTracer = undefined;
    if (typeof process !== 'undefined') process.env[AUTOLOG_ENV_VAR] = 'false';
    if (previous) void previous.close();
    return undefined;
  }
  activeTracer = new MlflowTracer(options);
  if (previous) void previous.close();
  if (!hookRegistered) {
    registerConfigureHook({
      handlerClass: AutologTracerFactory as unknown as new () => MlflowTracer,
      envVar: AUTOLOG_ENV_VAR,
      inheritable: true,
    });
    hookRegistered = true;
  }
  // Core reads the switch through its env helper on each configure call.
  process.env[AUTOLOG_ENV_VAR] = 'true';
  return activeTracer;
}

/** The tracer installed by `autolog()`, if any. */
export function getAutologTracer(): MlflowTracer | undefined {
  return activeTracer;
}
