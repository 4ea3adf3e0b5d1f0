// Dolly on a Hugging Face Inference Endpoint (TGI). With HF_ENDPOINT_URL (and HF_TOKEN) set, it
// calls your endpoint; otherwise a tiny local stand-in server answers, so it runs offline.
//   pnpm build && node examples/huggingface.mjs
import { createServer } from 'node:http';
import { Dolly } from '@lakechain/dolly';

let endpointUrl = process.env.HF_ENDPOINT_URL;
let server;
if (!endpointUrl) {
  // What TGI answers on POST /v1/completions (the route @huggingface/inference uses for an endpoint URL).
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const { stream } = JSON.parse(body);
      const words = [
        ' Parquet',
        ' files',
        ' plus',
        ' a',
        ' transaction',
        ' log.',
        '\n\n###',
        ' End',
      ];
      if (!stream) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ choices: [{ index: 0, text: words.join(''), finish_reason: 'stop' }] }),
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const text of words)
        response.write(
          `data: ${JSON.stringify({ choices: [{ index: 0, text, finish_reason: null }] })}\n\n`,
        );
      response.end('data: [DONE]\n\n');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpointUrl = `http://127.0.0.1:${server.address().port}`;
}

try {
  const dolly = new Dolly({ backend: { type: 'huggingface', endpointUrl }, maxNewTokens: 128 });
  console.log(await dolly.invoke('What is a Delta table made of?'));
  for await (const chunk of await dolly.stream('And again, streamed?')) process.stdout.write(chunk);
  process.stdout.write('\n');
} finally {
  server?.close();
}
