// The floor for stream_probe.mjs: node:http with no framework, the same agent (agent.mjs) and the
// same Responses events, written by hand with `res.write`. Prints the port, stops on SIGTERM.
// `node floor_server.mjs uncork` also sends the first delta at once (see PROFILE.md).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { HumanMessage } from '@langchain/core/messages';
import { makeAgent } from './agent.mjs';

const model = makeAgent();
const uncork = process.argv[2] === 'uncork';

async function answer(request, response) {
  const messages = request.input.map((message) => new HumanMessage(message.content));
  response.writeHead(200, {
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'content-type': 'text/event-stream',
    'transfer-encoding': 'chunked',
  });
  response.flushHeaders();
  let sequence = 0;
  const send = (event) =>
    response.write(`data: ${JSON.stringify({ ...event, sequence_number: sequence++ })}\n\n`);
  const id = `msg_${randomUUID().replace(/-/g, '')}`;
  const item = { type: 'message', id, role: 'assistant', status: 'in_progress', content: [] };
  send({ type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] } });
  let text = '';
  for await (const chunk of await model.stream(messages)) {
    if (text === '') send({ type: 'response.output_item.added', output_index: 0, item });
    send({
      type: 'response.output_text.delta',
      item_id: id,
      output_index: 0,
      content_index: 0,
      delta: chunk.text,
    });
    if (text === '' && uncork) response.uncork();
    text += chunk.text;
  }
  const content = [{ type: 'output_text', text, annotations: [] }];
  send({ type: 'response.output_item.done', output_index: 0, item: { ...item, content } });
  response.end('data: [DONE]\n\n');
}

const server = createServer((request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (data) => {
    body += data;
  });
  request.on('end', () => answer(JSON.parse(body), response));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.once('SIGTERM', () => process.exit(0));
