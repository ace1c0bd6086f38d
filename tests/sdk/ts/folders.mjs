// Folders and files under the TypeScript SDK: create a folder, upload a file (and a duplicate),
// poll until it is processed, list files, attach the folder to an agent, open and close its
// file, detach, delete. Prints JSON with what each call returned.
// Usage: node folders.mjs <base-url> [embedding-handle]
import Letta, { toFile } from "@letta-ai/letta-client";

const client = new Letta({ baseURL: process.argv[2], apiKey: process.env.LETTA_API_KEY ?? null });
const embedding = process.argv[3] ? { embedding: process.argv[3] } : {};
const folder = await client.folders.create({ name: `ts-${Date.now()}`, ...embedding });
const text = "The harbour master logs every ship.\nThe lighthouse is white.";
const uploaded = await client.folders.files.upload(folder.id, {
  file: await toFile(Buffer.from(text), "harbour.txt", { type: "text/plain" }),
});
const duplicate = await client.folders.files.upload(folder.id, {
  file: await toFile(Buffer.from("again"), "harbour.txt", { type: "text/plain" }),
  duplicate_handling: "suffix",
});
let processed = uploaded;
for (let i = 0; i < 300 && !["completed", "error"].includes(processed.processing_status); i++) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  processed = await client.folders.files.retrieve(uploaded.id, {
    folder_id: folder.id,
    include_content: true,
  });
}
const files = [];
for await (const file of client.folders.files.list(folder.id)) files.push(file.original_file_name);
const agent = await client.agents.create({ model: "openai/gpt-4o-mini" });
await client.agents.folders.attach(folder.id, { agent_id: agent.id });
const agentFolders = [];
for await (const item of client.agents.folders.list(agent.id)) agentFolders.push(item.id);
const folderAgents = await client.folders.agents.list(folder.id);
const closedAll = await client.agents.files.closeAll(agent.id);
const opened = await client.agents.files.open(uploaded.id, { agent_id: agent.id });
const agentFiles = [];
for await (const item of client.agents.files.list(agent.id)) agentFiles.push(item);
await client.agents.files.close(uploaded.id, { agent_id: agent.id });
await client.agents.folders.detach(folder.id, { agent_id: agent.id });
await client.folders.files.delete(duplicate.id, { folder_id: folder.id });
const deleted = await client.folders.delete(folder.id);
console.log(
  JSON.stringify({
    folder,
    uploaded,
    duplicate,
    processed,
    files,
    agentFolders,
    folderAgents,
    closedAll,
    opened,
    agentFiles,
    deleted,
  }),
);
