// Token streaming under the TypeScript SDK: prints JSON with the chunk kinds, the reply as
// concatenated from its deltas, and the reply as stored. Usage: node stream.mjs <base-url>
import Letta from "@letta-ai/letta-client";

const client = new Letta({ baseURL: process.argv[2], apiKey: process.env.LETTA_API_KEY ?? null });
const agent = await client.agents.create({
  memory_blocks: [{ label: "human", value: "Name: User" }],
  model: "openai/gpt-4o-mini",
});
const stream = await client.agents.messages.create(agent.id, {
  input: "My name is Cameron.",
  streaming: true,
  stream_tokens: true,
});
const kinds = [];
let streamedReply = "";
let runId = null;
for await (const chunk of stream) {
  kinds.push(chunk.message_type);
  runId = runId ?? chunk.run_id;
  if (chunk.message_type === "assistant_message") streamedReply += chunk.content;
}
let storedReply = null;
for await (const message of client.runs.messages.list(runId)) {
  if (message.message_type === "assistant_message") storedReply = message.content;
}
console.log(JSON.stringify({ kinds, streamed_reply: streamedReply, stored_reply: storedReply }));
