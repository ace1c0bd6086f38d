// Archives under the TypeScript SDK: create, update, list, passages one by one and in batch,
// search across archives, attach to an agent and detach, delete. Prints JSON with what each
// call returned. Usage: node archives.mjs <base-url> [embedding-handle]
import Letta from "@letta-ai/letta-client";

const client = new Letta({ baseURL: process.argv[2], apiKey: process.env.LETTA_API_KEY ?? null });
const embedding = process.argv[3] ? { embedding: process.argv[3] } : {};
const archive = await client.archives.create({
  name: "recipes",
  description: "family",
  ...embedding,
});
const updated = await client.archives.update(archive.id, { name: "family recipes" });
const retrieved = await client.archives.retrieve(archive.id);
const listed = [];
for await (const item of client.archives.list({ name: "family recipes", limit: 1 })) {
  listed.push(item.id);
}
const single = await client.archives.passages.create(archive.id, {
  text: "Grandma's soup needs a bay leaf and two carrots",
  tags: ["soup"],
  metadata: { page: 12 },
});
const batch = await client.archives.passages.createMany(archive.id, {
  passages: [
    { text: "The apple cake bakes for forty minutes", tags: ["cake"] },
    { text: "Bread dough rests overnight in the fridge" },
  ],
});
const search = await client.passages.search({
  archive_id: archive.id,
  query: "apple cake",
  limit: 1,
});
const agent = await client.agents.create({ model: "openai/gpt-4o-mini", ...embedding });
const attached = await client.agents.archives.attach(archive.id, { agent_id: agent.id });
const agentArchives = [];
for await (const item of client.archives.list({ agent_id: agent.id })) agentArchives.push(item.id);
const byAgent = await client.passages.search({
  agent_id: agent.id,
  query: "Grandma's soup needs a bay leaf",
  limit: 1,
});
const detached = await client.agents.archives.detach(archive.id, { agent_id: agent.id });
const afterDetach = await client.passages.search({ agent_id: agent.id, query: "soup" });
const deletedPassage = await client.archives.passages.delete(batch[1].id, {
  archive_id: archive.id,
});
const remaining = await client.passages.search({ archive_id: archive.id, limit: 10 });
const deletedArchive = await client.archives.delete(archive.id);
let retrieveAfterDelete = null;
try {
  await client.archives.retrieve(archive.id);
} catch (error) {
  retrieveAfterDelete = error.status;
}
console.log(
  JSON.stringify({
    archive,
    updated,
    retrieved,
    listed,
    single,
    batch,
    search,
    agent_id: agent.id,
    attached: attached ?? null,
    agentArchives,
    byAgent,
    detached: detached ?? null,
    afterDetach,
    deletedPassage: deletedPassage ?? null,
    remaining: remaining.map((hit) => hit.passage.id),
    deletedArchive: deletedArchive ?? null,
    retrieveAfterDelete,
  }),
);
