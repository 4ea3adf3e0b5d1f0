import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { autolog } from '../dist/index.js';

const tracer = autolog({ experimentName: 'my-langchain-app' });
const chain = ChatPromptTemplate.fromMessages([['human', 'Tell me about {topic}']])
  .pipe(new FakeListChatModel({ responses: ['Otters hold hands while sleeping.'] }))
  .pipe(new StringOutputParser());
console.log(await chain.invoke({ topic: 'otters' }));
await tracer?.flush();
console.log('trace', tracer?.lastTraceId, JSON.stringify(tracer?.exporter.stats));
