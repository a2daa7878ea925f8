/**
 * The real-stack test's LLM: control's OpenAI-compatible stand-in (streamed chat completions),
 * answering "You said: <the user's text>", reachable on the stack network at $PORT (8000). Bundled to
 * plain JavaScript and run in a container of its own (`local-images.ts`).
 */
import { connect, createServer } from 'node:net';
import { lastUserText, startOpenAIChatServer } from '../../../services/control/src/testing/openai-chat-server.ts';

const port = Number(process.env.PORT ?? 8000);

const llm = await startOpenAIChatServer((request) => ({ text: `You said: ${lastUserText(request)}` }));
const inner = new URL(llm.url);
// The stand-in listens on loopback only: forward the container's port to it.
const forwarder = createServer((socket) => {
  const upstream = connect(Number(inner.port), inner.hostname);
  socket.pipe(upstream).pipe(socket);
  socket.on('error', () => upstream.destroy());
  upstream.on('error', () => socket.destroy());
});
forwarder.listen(port, '0.0.0.0', () => console.log(`LLM stand-in on :${port}/v1`));
process.on('SIGTERM', () => process.exit(0));
