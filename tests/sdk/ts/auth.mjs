// The TypeScript SDK with `apiKey` against a server that requires a key.
// Usage: node auth.mjs <base-url> <api-key>; prints the label of a block it created and read back.
import Letta from "@letta-ai/letta-client";

const [baseURL, apiKey] = process.argv.slice(2);
const client = new Letta({ baseURL, apiKey, maxRetries: 0 });
const block = await client.blocks.create({ label: "ts_auth", value: "created with apiKey" });
console.log((await client.blocks.retrieve(block.id)).label);
