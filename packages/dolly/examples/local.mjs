// Dolly fully offline through node-llama-cpp. Set DOLLY_GGUF to a Dolly GGUF file (a
// convert_hf_to_gguf.py conversion of databricks/dolly-v2-3b); without it, the tiny
// random-weight GPT-NeoX test model of this repository is used (its output is gibberish).
//   pnpm build && node examples/local.mjs
import { Dolly } from '@lakechain/dolly';

let modelPath = process.env.DOLLY_GGUF;
let threads; // node-llama-cpp's default for a real model
if (!modelPath) {
  const { ensureTinyGguf } = await import('../../../tooling/models/tiny-gguf.mjs');
  modelPath = ensureTinyGguf('gptneox');
  threads = 1; // a tiny model is fastest on one thread (no cross-thread synchronisation)
  console.log(`DOLLY_GGUF not set: using the tiny random-weight model ${modelPath}`);
}

const dolly = new Dolly({ backend: { type: 'local', modelPath, threads }, maxNewTokens: 64 });
try {
  console.log(JSON.stringify(await dolly.invoke('Write a haiku about data lakes.')));
  for await (const chunk of await dolly.stream('Name three uses of a lakehouse.'))
    process.stdout.write(chunk);
  process.stdout.write('\n');
} finally {
  await dolly.close();
}
