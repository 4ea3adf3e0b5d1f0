import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { describe, expect, inject, it } from 'vitest';
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
      'chain/chain.json',
      'chain/meta.json',
      'chain/prompts.json',
    ]);
    const base = `${url}/api/2.0/mlflow-artifacts/artifacts/${logged.artifactUri.replace(/^mlflow-artifacts:\//, '')}`;
    const serialized = (await (await fetch(`${base}/chain/chain.json`)).json()) as { id: string[] };
    expect(serialized.id.at(-1)).toBe('RunnableSequence');

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
