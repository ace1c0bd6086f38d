// Archival memory under the TypeScript SDK: insert, list, search, delete. Prints JSON with
// what each call returned. Usage: node archival.mjs <base-url> [embedding-handle]
import Letta from "@letta-ai/letta-client";

const client = new Letta({ baseURL: process.argv[2], apiKey: process.env.LETTA_API_KEY ?? null });
const agent = await client.agents.create({
  model: "openai/gpt-4o-mini",
  ...(process.argv[3] ? { embedding: process.argv[3] } : {}),
});
const created = [];
for (const [text, tags] of [
  ["The spare key is under the blue flowerpot", ["home"]],
  ["Quarterly taxes are due in mid April", ["money"]],
]) {
  created.push(...(await client.agents.passages.create(agent.id, { text, tags })));
}
const search = await client.agents.passages.search(agent.id, {
  query: "where is the spare key",
  tags: ["home", "money"],
  top_k: 1,
});
const deleted = await client.agents.passages.delete(created[1].id, { agent_id: agent.id });
const remaining = await client.agents.passages.list(agent.id);
console.log(
  JSON.stringify({
    created: created.map((p) => ({ id: p.id, text: p.text, tags: p.tags })),
    search,
    deleted,
    remaining: remaining.map((p) => p.id),
  }),
);
