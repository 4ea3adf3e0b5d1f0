import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda } from '@langchain/core/runnables';
import { describe, expect, inject, it } from 'vitest';
import { MlflowCallbackHandler, MlflowClient } from './index.js';
import { coreTransport } from './testing/core_transport.js';
import { getJson } from './testing/read_back.js';
import { ScriptedChatModel } from './testing/scripted_chat_model.js';

const url = inject('mlflowUrl');

interface RestRun {
  info: {
    run_id: string;
    run_name: string;
    status: string;
    end_time?: number;
    artifact_uri: string;
    experiment_id: string;
  };
  data: {
    metrics?: { key: string; value: number; step: number }[];
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
  };
}

describe('MlflowCallbackHandler against a real MLflow server', () => {
  it('creates the experiment and a run; logs params, metrics per step, artifacts, tags and end status', async () => {
    const experimentName = `handler-${Date.now()}`;
    const handler = new MlflowCallbackHandler({
      trackingUri: url,
      experimentName,
      env: {},
      transport: await coreTransport(),
      tags: { team: 'lakechain' },
      flushIntervalMs: 0,
    });
    const prompt = ChatPromptTemplate.fromMessages([['human', 'Q: {q}']]);
    const model = new ScriptedChatModel([
      { content: 'A1', usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12 } },
      { content: 'A2', usage: { input_tokens: 20, output_tokens: 4, total_tokens: 24 } },
    ]);
    const chain = prompt.pipe(model).pipe(new StringOutputParser());
    await chain.invoke({ q: 'one' }, { callbacks: [handler] });
    await chain.invoke({ q: 'two' }, { callbacks: [handler] });
    const failing = RunnableLambda.from(() => {
      throw new Error('nope');
    });
    await expect(failing.invoke(1, { callbacks: [handler] })).rejects.toThrow('nope');
    await handler.endRun();

    const exp = await getJson<{ experiment: { experiment_id: string } }>(
      `${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${experimentName}`,
    );
    const runInfo = await handler.run();
    expect(runInfo.experiment_id).toBe(exp.experiment.experiment_id);
    const { run } = await getJson<{ run: RestRun }>(
      `${url}/api/2.0/mlflow/runs/get?run_id=${runInfo.run_id}`,
    );
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.end_time).toBeGreaterThan(0);
    expect(run.info.run_name).toMatch(/^langchainrun-[A-Z0-9]{7}$/);
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags.team).toBe('lakechain');
    const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params['ScriptedChatModel.model']).toBe('scripted-1');
    expect(params['ScriptedChatModel.temperature']).toBe('0');

    // Metrics really carry their step (Python's handler logs everything at step 0).
    const history = await getJson<{ metrics: { value: number; step: number }[] }>(
      `${url}/api/2.0/mlflow/metrics/get-history?run_id=${runInfo.run_id}&metric_key=total_tokens`,
    );
    expect(history.metrics.map((m) => m.value)).toEqual([12, 24]);
    expect(new Set(history.metrics.map((m) => m.step)).size).toBe(2);
    expect(history.metrics.every((m) => m.step > 0)).toBe(true);
    const latest = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
    expect(latest).toMatchObject({ llm_starts: 2, llm_ends: 2, errors: 1 });
    expect(latest.chain_starts).toBeGreaterThanOrEqual(7);
    expect(latest.llm_latency_ms).toBeGreaterThanOrEqual(0);

    const listing = await getJson<{ files: { path: string }[] }>(
      `${url}/api/2.0/mlflow/artifacts/list?run_id=${runInfo.run_id}`,
    );
    const files = listing.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['records', 'session_table.csv', 'session_table.html']),
    );
    const records = await getJson<{ files: { path: string }[] }>(
      `${url}/api/2.0/mlflow/artifacts/list?run_id=${runInfo.run_id}&path=records`,
    );
    expect(records.files.length).toBe(handler.sessionRecords.length);
    const base = `${url}/api/2.0/mlflow-artifacts/artifacts/${run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '')}`;
    const csv = await (await fetch(`${base}/session_table.csv`)).text();
    expect(csv.split('\n')[0]).toBe(
      'step,action,name,input,output,error,latency_ms,prompt_tokens,completion_tokens,total_tokens',
    );
    expect(csv).toContain('on_llm_end');
    expect(csv).toContain('Error: nope');
    const html = await (await fetch(`${base}/session_table.html`)).text();
    expect(html).toContain('<table>');
    const llmEnd = records.files.map((f) => f.path).find((p) => p.endsWith('on_llm_end.json'));
    const rec = (await (await fetch(`${base}/${llmEnd}`)).json()) as Record<string, unknown>;
    expect(rec).toMatchObject({
      action: 'on_llm_end',
      output: 'A1',
      total_tokens: 12,
      name: 'ScriptedChatModel',
    });
  });

  it('close() (`await using`) sends what was buffered and ends the run it created, not one it was given', async () => {
    const experimentName = `handler-close-${Date.now()}`;
    const chain = RunnableLambda.from((x: number) => x * 2);
    let created: string;
    {
      // Default timer (2 s): nothing has been sent when the scope ends.
      await using handler = new MlflowCallbackHandler({
        trackingUri: url,
        experimentName,
        env: {},
        transport: await coreTransport(),
      });
      expect(await chain.invoke(21, { callbacks: [handler] })).toBe(42);
      expect(handler.hasPendingWork()).toBe(true);
      created = (await handler.run()).run_id;
    }
    const { run } = await getJson<{ run: RestRun }>(
      `${url}/api/2.0/mlflow/runs/get?run_id=${created}`,
    );
    expect(run.info.status).toBe('FINISHED');
    const latest = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
    expect(latest).toMatchObject({ chain_starts: 1, chain_ends: 1 });

    // A handler logging into an existing run leaves its status to the run's owner.
    const client = new MlflowClient({
      trackingUri: url,
      env: {},
      transport: await coreTransport(),
    });
    const existing = await client.createRun({
      experimentId: run.info.experiment_id,
      runName: 'owned',
    });
    const guest = new MlflowCallbackHandler({
      trackingUri: url,
      runId: existing.run_id,
      env: {},
      transport: await coreTransport(),
    });
    await chain.invoke(1, { callbacks: [guest] });
    await guest.close();
    await guest.close(); // idempotent
    const owned = await getJson<{ run: RestRun }>(
      `${url}/api/2.0/mlflow/runs/get?run_id=${existing.run_id}`,
    );
    expect(owned.run.info.status).toBe('RUNNING');
    const logged = Object.fromEntries((owned.run.data.metrics ?? []).map((m) => [m.key, m.value]));
    expect(logged).toMatchObject({ chain_starts: 1, chain_ends: 1 });
  });

  it('server unreachable: callbacks never throw, one warning, data kept', async () => {
    const warnings: string[] = [];
    const handler = new MlflowCallbackHandler({
      trackingUri: 'http://127.0.0.1:9',
      env: { MLFLOW_TRACKING_TOKEN: 'very-secret-token-xyz' },
      transport: await coreTransport({ retry: { maxAttempts: 1 } }),
      flushIntervalMs: 0,
      warn: (m) => warnings.push(m),
    });
    const chain = RunnableLambda.from((x: number) => x + 1);
    expect(await chain.invoke(1, { callbacks: [handler] })).toBe(2);
    await handler.flush();
    await handler.flush();
    await handler.endRun();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('very-secret-token-xyz');
    expect(handler.hasPendingWork()).toBe(true);
  });
});
