// One AgentServer (tracing off), on a free port; prints the port, stops on SIGTERM.
import { AgentServer } from '../dist/index.js';
import { makeAgent } from './agent.mjs';

const server = new AgentServer({
  agent: makeAgent(),
  tracing: false,
  maxConcurrency: 64,
  maxQueue: 10_000,
  name: 'bench',
});
const { port } = await server.listen({ port: 0 });
process.stdout.write(`${port}\n`);
process.once('SIGTERM', () => server.close().then(() => process.exit(0)));
