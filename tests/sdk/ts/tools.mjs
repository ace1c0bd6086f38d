// Custom tools under the TypeScript SDK: create, upsert, update, list, an agent calling the
// tool, delete. Prints JSON with what each call returned. Usage: node tools.mjs <base-url> <suffix>
import Letta from "@letta-ai/letta-client";

const client = new Letta({ baseURL: process.argv[2], apiKey: process.env.LETTA_API_KEY ?? null });
const name = `word_count_${process.argv[3]}`;
const source = (extra) => `def ${name}(text: str) -> int:
    """Count the words in a text.

    Args:
        text: The text to count.
    """
    return len(text.split())${extra}
`;
const created = await client.tools.create({ source_code: source(""), tags: ["text"] });
const upserted = await client.tools.upsert({ source_code: source(" + 0"), description: "Counts." });
const updated = await client.tools.update(created.id, { return_char_limit: 500 });
const listed = [];
for await (const tool of client.tools.list({ name })) listed.push(tool.id);
const agent = await client.agents.create({ model: "openai/gpt-4o-mini", tool_ids: [created.id] });
const call = JSON.stringify({ text: "one two three" });
const response = await client.agents.messages.create(agent.id, {
  messages: [{ role: "user", content: `[[call ${name} ${call}]]` }],
});
const returns = response.messages
  .filter((m) => m.message_type === "tool_return_message")
  .map((m) => ({ status: m.status, tool_return: m.tool_return }));
await client.tools.delete(created.id);
const afterDelete = [];
for await (const tool of client.tools.list({ name })) afterDelete.push(tool.id);
console.log(
  JSON.stringify({
    created: { id: created.id, name: created.name, schema: created.json_schema, tags: created.tags },
    upserted: { id: upserted.id, description: upserted.description },
    updated: { return_char_limit: updated.return_char_limit },
    listed,
    returns,
    afterDelete,
  }),
);
