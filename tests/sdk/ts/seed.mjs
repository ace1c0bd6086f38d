// The seed quickstart under @letta-ai/letta-client 1.12.1, constructor adapted to the 1.x SDK
// ({baseURL, apiKey}). Usage: node seed.mjs <base-url> [<model handle>]. Prints what the
// quickstart prints.
import Letta from "@letta-ai/letta-client";

const client = new Letta({ baseURL: process.argv[2], apiKey: process.env.LETTA_API_KEY ?? null });

const agent = await client.agents.create({
  name: "hello_world_assistant",
  memory_blocks: [
    { label: "persona", value: "I am a friendly AI assistant here to help you learn about Letta." },
    { label: "human", value: "Name: User\nFirst interaction: Learning about Letta" },
  ],
  model: process.argv[3] ?? "openai/gpt-4o-mini",
});
console.log(`Created agent: ${agent.id}`);

function printMessages(response) {
  for (const msg of response.messages) {
    if (msg.message_type === "assistant_message") console.log(`Assistant: ${msg.content}`);
    if (msg.message_type === "tool_call_message") {
      console.log(`Tool call: ${msg.tool_call.name}(${msg.tool_call.arguments})`);
    }
  }
}

printMessages(await client.agents.messages.create(agent.id, {
  messages: [{ role: "user", content: "Hello! What's your purpose?" }],
}));
printMessages(await client.agents.messages.create(agent.id, {
  input: "My name is Cameron. Please store this information in your memory.",
}));

console.log("Current Memory:");
for await (const block of client.agents.blocks.list(agent.id)) {
  console.log(`  ${block.label}: ${block.value.length}/${block.limit} chars`);
  console.log(`  ${block.value}`);
}

printMessages(await client.agents.messages.create(agent.id, { input: "What is my name?" }));
