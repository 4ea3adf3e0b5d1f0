import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { describe, expect, inject, it } from 'vitest';
// @ts-expect-error: plain ESM script without type declarations
import { VENV_DIR } from '../scripts/mlflow-server.mjs';
import { logChain } from './index.js';
import { getJson } from './testing/read_back.js';
import { ScriptedChatModel } from './testing/scripted_chat_model.js';

const url = inject('mlflowUrl');

describe('logChain', () => {
  it('logs the serialised chain + prompts and registers a model version', async () => {
    const prompt = ChatPromptTemplate.fromMessages([
      ['system', 'You answer about {topic}.'],
      ['human', '{question}'],
    ]);
    const chain = prompt
      .pipe(new ScriptedChatModel([{ content: 'x' }]))
      .pipe(new StringOutputParser());
    const modelName = `support-bot-${Date.now()}`;
    const logged = await logChain(chain, {
      trackingUri: url,
      env: {},
      experimentName: 'chains',
      registeredModelName: modelName,
    });
    expect(logged.prompts).toEqual([
      {
        class: 'ChatPromptTemplate',
        input_variables: ['topic', 'question'],
        messages: [
          { role: 'system', template: 'You answer about {topic}.' },
          { role: 'human', template: '{question}' },
        ],
      },
    ]);
    expect(logged.modelVersion).toMatchObject({
      name: modelName,
      version: '1',
      run_id: logged.runId,
    });
    expect(logged.modelVersion?.source).toBe(`${logged.artifactUri}/chain`);

    const { model_version } = await getJson<{ model_version: { source: string; status: string } }>(
      `${url}/api/2.0/mlflow/model-versions/get?name=${modelName}&version=1`,
    );
    expect(model_version.source).toBe(logged.source);
    const files = await getJson<{ files: { path: string }[] }>(
      `${url}/api/2.0/mlflow/artifacts/list?run_id=${logged.runId}&path=chain`,
    );
    expect(files.files.map((f) => f.path).sort()).toEqual([
      'chain/MLmodel',
      'chain/chain.json',
      'chain/meta.json',
      'chain/prompts.json',
    ]);
    const base = `${url}/api/2.0/mlflow-artifacts/artifacts/${logged.artifactUri.replace(/^mlflow-artifacts:\//, '')}`;
    const serialized = (await (await fetch(`${base}/chain/chain.json`)).json()) as { id: string[] };
    expect(serialized.id.at(-1)).toBe('RunnableSequence');

    // MLflow's own Python client resolves models:/<name>/1, downloads it and parses the MLmodel.
    const loaded = JSON.parse(
      execFileSync(
        join(VENV_DIR as string, 'bin', 'python'),
        [
          '-c',
          [
            'import json, sys, mlflow',
            'from mlflow.models import Model',
            'path = mlflow.artifacts.download_artifacts(artifact_uri=sys.argv[1])',
            'm = Model.load(path)',
            'print(json.dumps({"flavors": sorted(m.flavors), "inputs": m.signature.inputs.input_names(), "run_id": m.run_id}))',
          ].join('\n'),
          `models:/${modelName}/1`,
        ],
        { env: { ...process.env, MLFLOW_TRACKING_URI: url }, encoding: 'utf8' },
      ),
    ) as { flavors: string[]; inputs: string[]; run_id: string };
    expect(loaded).toEqual({
      flavors: ['langchainjs'],
      inputs: ['topic', 'question'],
      run_id: logged.runId,
    });

    // A second version of the same model.
    const again = await logChain(chain, {
      trackingUri: url,
      env: {},
      experimentName: 'chains',
      registeredModelName: modelName,
    });
    expect(again.modelVersion?.version).toBe('2');
  });
});
