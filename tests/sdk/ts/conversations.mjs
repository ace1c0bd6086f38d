// Conversations under @letta-ai/letta-client 1.12.1: every operation of client.conversations,
// the default conversation, memory across conversations, resuming streams, busy and active
// conversations, and the errors. Usage: node conversations.mjs <base-url> <scenario>
// The script asserts; its last line is JSON with what the pytest side checks on the server.
// The helpers are exported for approvals.mjs.
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import Letta from "@letta-ai/letta-client";

// No silent re-sends: a 409 or 5xx must reach the assertions, as in the Python fixture.
export function connect(baseURL) {
  return new Letta({ baseURL, apiKey: process.env.LETTA_API_KEY ?? null, maxRetries: 0 });
}

export async function newAgent(client, human = "Name: User") {
  return client.agents.create({
    memory_blocks: [
      { label: "human", value: human },
      { label: "persona", value: "I am a test assistant." },
    ],
    model: "openai/gpt-4o-mini",
  });
}

// The SDK types conversations.messages.create as a stream whatever `streaming` says, so a JSON
// (streaming: false) answer is read from the raw response.
export async function sendJson(client, conversationId, body) {
  const response = await client.conversations.messages
    .create(conversationId, { ...body, streaming: false })
    .asResponse();
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /application\/json/);
  return response.json();
}

export async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

export function kinds(chunks) {
  return chunks.map((chunk) => chunk.message_type);
}

export function stopReason(chunks) {
  return chunks.find((chunk) => chunk.message_type === "stop_reason")?.stop_reason;
}

// Concatenated token deltas of one message type (assistant text by default).
export function joined(chunks, type = "assistant_message", field = (c) => c.content) {
  return chunks
    .filter((chunk) => chunk.message_type === type)
    .map(field)
    .join("");
}

export function replyText(response) {
  return response.messages
    .filter((m) => m.message_type === "assistant_message")
    .map((m) => m.content)
    .join("\n");
}

// An HTTP error from a call: its status and a pattern its body must match.
export async function expectError(promise, status, pattern) {
  let error;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  assert.ok(error, `expected HTTP ${status}, the call succeeded`);
  assert.equal(error.status, status, `expected ${status}, got ${error.status}: ${error.message}`);
  if (pattern) assert.match(JSON.stringify(error.error), pattern);
  return error.error;
}

// An `event: error` frame in a stream that started fine (HTTP 200): the SDK throws an APIError
// without a status carrying the frame. Returns the frame and the chunks before it.
export async function expectStreamError(streamPromise) {
  const stream = await streamPromise;
  const before = [];
  try {
    for await (const chunk of stream) before.push(chunk);
  } catch (error) {
    assert.equal(error.status, undefined, `expected an error event, got HTTP ${error.status}`);
    return { frame: error.error, before };
  }
  assert.fail(`expected an error event, the stream ended: ${JSON.stringify(kinds(before))}`);
}

export async function listAll(client, conversationId, query = {}) {
  const items = [];
  for await (const message of client.conversations.messages.list(conversationId, query)) {
    items.push(message);
  }
  return items;
}

const UNKNOWN_CONVERSATION = "conv-00000000-0000-4000-8000-000000000000";
const UNKNOWN_AGENT = "agent-00000000-0000-4000-8000-000000000000";
const ECHO = "Hello! I'm your stateful assistant. You said: ";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Create, list, retrieve, update, send (JSON and streamed), list messages, fork, recompile,
// compact, cancel when idle, delete, and the errors around them.
async function lifecycle(client) {
  const agent = await newAgent(client);
  const first = await client.conversations.create({ agent_id: agent.id, summary: "first" });
  assert.match(first.id, /^conv-/);
  assert.equal(first.agent_id, agent.id);
  assert.equal(first.summary, "first");
  assert.deepEqual(first.isolated_block_ids, []);
  assert.deepEqual(first.in_context_message_ids ?? [], []);
  const second = await client.conversations.create({
    agent_id: agent.id,
    isolated_block_labels: ["human"],
  });
  assert.equal(second.isolated_block_ids.length, 1);
  const humanBlock = await client.agents.blocks.retrieve("human", { agent_id: agent.id });
  assert.notEqual(second.isolated_block_ids[0], humanBlock.id, "an isolated block is a copy");
  const third = await client.conversations.create({ agent_id: agent.id, summary: "apples and pears" });
  const created = [first.id, second.id, third.id];

  const ascending = await client.conversations.list({ agent_id: agent.id, order: "asc" });
  assert.deepEqual(ascending.map((c) => c.id), created);
  const descending = await client.conversations.list({ agent_id: agent.id });
  assert.deepEqual(descending.map((c) => c.id), [...created].reverse(), "desc is the default");
  const page = await client.conversations.list({ agent_id: agent.id, order: "asc", limit: 2 });
  assert.deepEqual(page.map((c) => c.id), created.slice(0, 2));
  const after = await client.conversations.list({
    agent_id: agent.id, order: "asc", after: created[0],
  });
  assert.deepEqual(after.map((c) => c.id), created.slice(1));
  const found = await client.conversations.list({ agent_id: agent.id, summary_search: "pears" });
  assert.deepEqual(found.map((c) => c.id), [third.id]);

  const fresh = await client.conversations.retrieve(first.id);
  assert.equal(fresh.in_context_message_ids.length, 1, "a new conversation holds its system message");
  const updated = await client.conversations.update(first.id, { summary: "renamed" });
  assert.equal(updated.summary, "renamed");
  const untouched = await client.conversations.update(first.id, { summary: null });
  assert.equal(untouched.summary, "renamed", "null leaves a field as it is");

  const answer = await sendJson(client, first.id, { input: "hello json" });
  assert.deepEqual(kinds(answer.messages), ["assistant_message"]);
  assert.equal(answer.messages[0].content, `${ECHO}hello json`);
  assert.equal(answer.stop_reason.stop_reason, "end_turn");
  assert.equal(answer.usage.step_count, 1);

  const chunks = await collect(
    await client.conversations.messages.create(first.id, {
      messages: [{ role: "user", content: [{ type: "text", text: "hello stream" }], otid: "o-1" }],
      stream_tokens: true,
    }),
  );
  const chunkKinds = kinds(chunks);
  assert.equal(chunkKinds[0], "ping");
  assert.deepEqual(chunkKinds.slice(-2), ["stop_reason", "usage_statistics"]);
  assert.ok(chunkKinds.filter((k) => k === "assistant_message").length > 1, "token deltas");
  assert.equal(stopReason(chunks), "end_turn");
  assert.equal(joined(chunks), `${ECHO}hello stream`);
  const streamRun = chunks[0].run_id;
  assert.match(streamRun, /^run-/);

  const messages = await listAll(client, first.id, { order: "asc" });
  assert.deepEqual(kinds(messages), [
    "system_message", "user_message", "assistant_message", "user_message", "assistant_message",
  ]);
  assert.equal(messages[3].otid, "o-1");
  assert.equal(messages[4].content, `${ECHO}hello stream`);
  const newestFirst = await listAll(client, first.id, { limit: 2 });
  assert.deepEqual(newestFirst.map((m) => m.id), messages.map((m) => m.id).reverse(),
    "desc by default; the SDK's auto-pagination walks every page once");
  const retrieved = await client.conversations.retrieve(first.id);
  assert.deepEqual(retrieved.in_context_message_ids, messages.map((m) => m.id));
  assert.ok(retrieved.last_message_at, "a send stamps last_message_at");
  const byActivity = await client.conversations.list({
    agent_id: agent.id, order_by: "last_message_at",
  });
  assert.equal(byActivity[0].id, first.id);

  const fork = await client.conversations.fork(first.id);
  assert.notEqual(fork.id, first.id);
  assert.equal(fork.agent_id, agent.id);
  assert.equal(fork.summary, null);
  const forked = await listAll(client, fork.id, { order: "asc" });
  assert.deepEqual(kinds(forked), kinds(messages));
  assert.deepEqual(forked.slice(1).map((m) => m.content), messages.slice(1).map((m) => m.content));
  const originalIds = new Set(messages.map((m) => m.id));
  assert.ok(forked.every((m) => !originalIds.has(m.id)), "a fork holds copies");
  const forkAnswer = await sendJson(client, fork.id, { input: "only in the fork" });
  assert.equal(replyText(forkAnswer), `${ECHO}only in the fork`);
  assert.equal((await listAll(client, first.id)).length, messages.length, "the source is unchanged");

  const prompt = await client.conversations.recompile(first.id);
  assert.equal(typeof prompt, "string");
  assert.match(prompt, /<human>[\s\S]*Name: User/);
  const dryRun = await client.conversations.recompile(first.id, { dry_run: true });
  assert.equal(typeof dryRun, "string");
  assert.match(dryRun, /I am a test assistant\./);

  const nothingToEvict = await expectError(
    client.conversations.messages.compact(third.id), 400, /failed to reduce the number of messages/);
  const compacted = await client.conversations.messages.compact(first.id);
  assert.match(compacted.summary, /^Summary: /);
  assert.ok(compacted.num_messages_after < compacted.num_messages_before);
  const afterCompact = await client.conversations.retrieve(first.id);
  assert.equal(afterCompact.in_context_message_ids.length, compacted.num_messages_after);
  const compactedFork = await client.conversations.fork(first.id);
  assert.equal(
    (await client.conversations.retrieve(compactedFork.id)).in_context_message_ids.length,
    afterCompact.in_context_message_ids.length,
    "a fork copies the in-context messages only",
  );
  assert.equal(await client.conversations.delete(compactedFork.id), null);
  const continued = await sendJson(client, first.id, { input: "after compaction" });
  assert.equal(replyText(continued), `${ECHO}after compaction`);

  const idleCancel = await expectError(
    client.conversations.cancel(first.id), 409, /No active runs to cancel/);

  assert.equal(await client.conversations.delete(second.id), null);
  await expectError(client.conversations.retrieve(second.id), 404, /not found/);
  await expectError(client.conversations.delete(second.id), 404, /not found/);
  await expectError(sendJson(client, second.id, { input: "gone" }), 404, /not found/);
  await expectError(client.conversations.messages.list(second.id), 404, /not found/);
  await expectError(client.blocks.retrieve(second.isolated_block_ids[0]), 404);
  const remaining = await client.conversations.list({ agent_id: agent.id, order: "asc" });
  assert.deepEqual(remaining.map((c) => c.id), [first.id, third.id, fork.id]);

  const unknown = await expectError(
    client.conversations.retrieve(UNKNOWN_CONVERSATION), 404, /not found/);
  await expectError(sendJson(client, UNKNOWN_CONVERSATION, { input: "x" }), 404, /not found/);
  await expectError(client.conversations.fork(UNKNOWN_CONVERSATION), 404, /not found/);
  await expectError(client.conversations.update(UNKNOWN_CONVERSATION, { summary: "x" }), 404);
  const badLabel = await expectError(
    client.conversations.create({ agent_id: agent.id, isolated_block_labels: ["nope"] }),
    400,
    /Block with label 'nope' not found on agent/,
  );
  await expectError(client.conversations.create({ agent_id: UNKNOWN_AGENT }), 404);
  await expectError(client.conversations.retrieve("default"), 422);

  return {
    agent_id: agent.id,
    kept: [first.id, third.id, fork.id],
    deleted: second.id,
    deleted_block: second.isolated_block_ids[0],
    stream_run_id: streamRun,
    stream_kinds: [...new Set(chunkKinds)],
    compacted: {
      before: compacted.num_messages_before,
      after: compacted.num_messages_after,
    },
    errors: { nothingToEvict, idleCancel, unknown, badLabel },
  };
}

// The agent's default conversation through `default` + agent_id, and the agents routes.
async function defaultConversation(client) {
  const agent = await newAgent(client);
  const answer = await sendJson(client, "default", { agent_id: agent.id, input: "hello default" });
  assert.equal(replyText(answer), `${ECHO}hello default`);
  const chunks = await collect(
    await client.conversations.messages.create("default", {
      agent_id: agent.id, input: "streamed default", stream_tokens: true,
    }),
  );
  assert.equal(stopReason(chunks), "end_turn");
  assert.equal(joined(chunks), `${ECHO}streamed default`);

  const page = await client.agents.messages.list(agent.id, { conversation_id: "default" });
  const viaAgent = page.getPaginatedItems();
  assert.deepEqual(
    viaAgent.filter((m) => m.message_type === "user_message").map((m) => m.content).sort(),
    ["hello default", "streamed default"],
  );
  const viaConversation = await listAll(client, "default", { agent_id: agent.id, order: "asc" });
  assert.deepEqual(kinds(viaConversation), [
    "system_message", "user_message", "assistant_message", "user_message", "assistant_message",
  ]);
  assert.deepEqual(
    new Set(viaAgent.map((m) => m.id)), new Set(viaConversation.map((m) => m.id)));

  // A named conversation's messages stay out of the default one.
  const named = await client.conversations.create({ agent_id: agent.id });
  await sendJson(client, named.id, { input: "named only" });
  const defaultAfter = (await client.agents.messages.list(agent.id, { conversation_id: "default" }))
    .getPaginatedItems();
  assert.ok(defaultAfter.every((m) => m.content !== "named only"));
  const namedViaAgent = (await client.agents.messages.list(agent.id, { conversation_id: named.id }))
    .getPaginatedItems();
  assert.ok(namedViaAgent.some((m) => m.content === "named only"));

  const fork = await client.conversations.fork("default", { agent_id: agent.id });
  const forked = await listAll(client, fork.id, { order: "asc" });
  assert.deepEqual(
    forked.filter((m) => m.message_type === "user_message").map((m) => m.content),
    ["hello default", "streamed default"],
  );
  const prompt = await client.conversations.recompile("default", { agent_id: agent.id });
  assert.match(prompt, /Name: User/);
  const compacted = await client.conversations.messages.compact("default", { agent_id: agent.id });
  assert.ok(compacted.num_messages_after < compacted.num_messages_before);
  await expectError(
    client.conversations.cancel("default", { agent_id: agent.id }), 409, /No active runs/);
  await expectError(client.conversations.messages.list("default"), 404);
  await expectError(sendJson(client, "default", { input: "no agent" }), 404);
  const agentForm = await sendJson(client, agent.id, { input: "older path form" });
  assert.equal(replyText(agentForm), `${ECHO}older path form`);
  return { agent_id: agent.id, named_id: named.id, fork_id: fork.id };
}

// A memory edit in one conversation shows in every other one's next turn; an isolated label
// keeps a per-conversation copy, which a fork copies again and a delete removes.
async function memory(client) {
  const agent = await newAgent(client);
  const isolated = await client.conversations.create({
    agent_id: agent.id, isolated_block_labels: ["human"],
  });
  const shared = await client.conversations.create({ agent_id: agent.id });
  const other = await client.conversations.create({ agent_id: agent.id });
  const ask = async (id, text) => replyText(await sendJson(client, id, { input: text }));

  assert.equal(await ask(isolated.id, "My name is Alice"),
    "Got it! I've updated my memory with your name, Alice.");
  assert.equal(await ask(shared.id, "what is my name"), "Your name is User.");
  assert.equal(await ask(other.id, "My name is Bob"),
    "Got it! I've updated my memory with your name, Bob.");
  assert.equal(await ask(shared.id, "what is my name"), "Your name is Bob.");
  assert.equal(await ask(isolated.id, "what is my name"), "Your name is Alice.");
  const defaultAnswer = await sendJson(client, "default", {
    agent_id: agent.id, input: "what is my name",
  });
  assert.equal(replyText(defaultAnswer), "Your name is Bob.");
  assert.match(await client.conversations.recompile(shared.id, { dry_run: true }), /Name: Bob/);
  assert.match(await client.conversations.recompile(isolated.id, { dry_run: true }), /Name: Alice/);
  const isolatedCopy = await client.blocks.retrieve(isolated.isolated_block_ids[0]);
  assert.equal(isolatedCopy.value, "Name: Alice");

  const fork = await client.conversations.fork(isolated.id);
  assert.equal(fork.isolated_block_ids.length, 1);
  assert.notEqual(fork.isolated_block_ids[0], isolated.isolated_block_ids[0]);
  assert.equal(await ask(fork.id, "what is my name"), "Your name is Alice.");
  assert.equal(await ask(fork.id, "My name is Fiona"),
    "Got it! I've updated my memory with your name, Fiona.");
  assert.equal(await ask(isolated.id, "what is my name"), "Your name is Alice.");
  assert.equal(await ask(shared.id, "what is my name"), "Your name is Bob.");
  await client.conversations.delete(fork.id);
  await expectError(client.blocks.retrieve(fork.isolated_block_ids[0]), 404);
  return {
    agent_id: agent.id,
    isolated_id: isolated.id,
    isolated_block_id: isolated.isolated_block_ids[0],
    shared_id: shared.id,
  };
}

// Re-attaching to a run's stream: by run_id, by the otid of its first message, else the
// conversation's newest active run; starting_after skips what the client already has.
async function resume(client) {
  const agent = await newAgent(client);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const original = await collect(
    await client.conversations.messages.create(conversation.id, {
      messages: [{ role: "user", content: "resume me", otid: "resume-otid" }],
    }),
  );
  const runId = original[0].run_id;
  const byRun = await collect(
    await client.conversations.messages.stream(conversation.id, { run_id: runId }));
  assert.deepEqual(kinds(byRun), kinds(original));
  assert.deepEqual(
    byRun.filter((c) => c.message_type === "assistant_message").map((c) => [c.id, c.content]),
    original.filter((c) => c.message_type === "assistant_message").map((c) => [c.id, c.content]),
  );
  const byOtid = await collect(
    await client.conversations.messages.stream(conversation.id, { otid: "resume-otid" }));
  assert.deepEqual(kinds(byOtid), kinds(original));
  assert.equal(byOtid[0].run_id, runId);
  const skipped = await collect(
    await client.conversations.messages.stream(conversation.id, {
      run_id: runId, starting_after: 1, include_pings: false,
    }),
  );
  assert.deepEqual(kinds(skipped), ["stop_reason", "usage_statistics"]);
  const noActive = await expectError(
    client.conversations.messages.stream(conversation.id), 400, /No active runs found/);
  await expectError(
    client.conversations.messages.stream(conversation.id, { otid: "never-sent" }),
    404, /No run found for otid=never-sent/);

  // The newest active run, joined while it runs, then its end.
  const slow = await client.conversations.messages.create(conversation.id, {
    input: "[[sleep 1.5]] slow one",
  });
  const slowChunks = [];
  const iterator = slow[Symbol.asyncIterator]();
  slowChunks.push((await iterator.next()).value);
  const joinedRun = await collect(await client.conversations.messages.stream(conversation.id));
  assert.equal(joinedRun[0].run_id, slowChunks[0].run_id);
  assert.equal(stopReason(joinedRun), "end_turn");
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    slowChunks.push(next.value);
  }
  assert.deepEqual(kinds(joinedRun), kinds(slowChunks));

  // The default conversation, with agent_id in the body.
  await sendJson(client, "default", {
    agent_id: agent.id, messages: [{ role: "user", content: "default resume", otid: "d-otid" }],
  });
  const defaultRun = await collect(
    await client.conversations.messages.stream("default", { agent_id: agent.id, otid: "d-otid" }));
  assert.equal(stopReason(defaultRun), "end_turn");
  assert.equal(
    defaultRun.find((c) => c.message_type === "assistant_message").content,
    `${ECHO}default resume`,
  );
  return { agent_id: agent.id, run_id: runId, slow_run_id: slowChunks[0].run_id, noActive };
}

// A conversation with a running turn: delete is refused, cancel stops the turn.
async function active(client) {
  const agent = await newAgent(client);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const stream = await client.conversations.messages.create(conversation.id, {
    input: "[[sleep 5]] slow",
  });
  const iterator = stream[Symbol.asyncIterator]();
  const ping = (await iterator.next()).value;
  assert.equal(ping.message_type, "ping");
  const started = Date.now();
  const refused = await expectError(
    client.conversations.delete(conversation.id), 409, new RegExp(ping.run_id));
  const cancelled = await client.conversations.cancel(conversation.id);
  assert.deepEqual(cancelled, { [ping.run_id]: "cancelled" });
  const rest = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    rest.push(next.value);
  }
  assert.equal(stopReason(rest), "cancelled");
  assert.ok(Date.now() - started < 4000, "the cancelled turn ends without waiting for the model");
  const run = await client.runs.retrieve(ping.run_id);
  assert.equal(run.status, "cancelled");
  await expectError(client.conversations.cancel(conversation.id), 409, /No active runs/);
  const after = await sendJson(client, conversation.id, { input: "after cancel" });
  assert.equal(replyText(after), `${ECHO}after cancel`);
  assert.equal(await client.conversations.delete(conversation.id), null);
  return { agent_id: agent.id, run_id: ping.run_id, refused };
}

// A second send while a turn runs waits for it (turns of one conversation are serialized),
// and other conversations of the agent are not held up.
async function busyWait(client) {
  const agent = await newAgent(client);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const other = await client.conversations.create({ agent_id: agent.id });
  const slow = await client.conversations.messages.create(conversation.id, {
    input: "[[sleep 2]] first",
  });
  const iterator = slow[Symbol.asyncIterator]();
  const ping = (await iterator.next()).value;
  const started = Date.now();
  const unrelated = await sendJson(client, other.id, { input: "not blocked" });
  assert.ok(Date.now() - started < 1500, "another conversation runs in parallel");
  assert.equal(replyText(unrelated), `${ECHO}not blocked`);
  const second = await sendJson(client, conversation.id, { input: "second" });
  assert.ok(Date.now() - started > 1000, "the second turn waited for the first");
  assert.equal(replyText(second), `${ECHO}second`);
  const rest = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    rest.push(next.value);
  }
  assert.equal(stopReason(rest), "end_turn");
  const history = await listAll(client, conversation.id, { order: "asc" });
  assert.deepEqual(history.slice(1).map((m) => m.content), [
    "[[sleep 2]] first", `${ECHO}first`, "second", `${ECHO}second`,
  ]);
  return { agent_id: agent.id, first_run_id: ping.run_id };
}

// Against a server whose busy wait is short (LETTALITE_TURN_WAIT_SECONDS=1): the 409 a busy
// conversation answers, streamed or not, with the holding run's id.
async function busyConflict(client) {
  const agent = await newAgent(client);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const slow = await client.conversations.messages.create(conversation.id, {
    input: "[[sleep 4]] holds the conversation",
  });
  const iterator = slow[Symbol.asyncIterator]();
  const ping = (await iterator.next()).value;
  const holder = new RegExp(`run_id=${ping.run_id}\\) is currently being processed`);
  const streamed = await expectError(
    client.conversations.messages.create(conversation.id, { input: "streamed second" }),
    409, holder);
  assert.equal(streamed.run_id, ping.run_id);
  const json = await expectError(
    sendJson(client, conversation.id, { input: "json second" }), 409, holder);
  assert.equal(json.run_id, ping.run_id);
  const rest = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    rest.push(next.value);
  }
  assert.equal(stopReason(rest), "end_turn");
  const after = await sendJson(client, conversation.id, { input: "now free" });
  assert.equal(replyText(after), `${ECHO}now free`);
  const history = await listAll(client, conversation.id, { order: "asc" });
  assert.ok(history.every((m) => !/second/.test(m.content ?? "")), "refused sends store nothing");
  return { agent_id: agent.id, holder_run_id: ping.run_id, streamed, json };
}

// Cancel while a second send waits for the turn: every run the cancel reports as cancelled
// must end cancelled.
async function cancelQueued(client) {
  const agent = await newAgent(client);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const slow = await client.conversations.messages.create(conversation.id, {
    input: "[[sleep 3]] running",
  });
  const iterator = slow[Symbol.asyncIterator]();
  const ping = (await iterator.next()).value;
  const queued = client.conversations.messages
    .create(conversation.id, { input: "queued", streaming: false })
    .asResponse()
    .then(
      async (response) => {
        const body = await response.json();
        return { status: response.status, stop_reason: body.stop_reason, run_ids: body.usage.run_ids };
      },
      (error) => ({ status: error.status, error: error.error }),
    );
  await sleep(500);
  const cancelled = await client.conversations.cancel(conversation.id);
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    // drain the cancelled stream
  }
  const queuedOutcome = await queued;
  const statuses = {};
  for (const runId of Object.keys(cancelled)) {
    statuses[runId] = (await client.runs.retrieve(runId)).status;
  }
  const history = await listAll(client, conversation.id, { order: "asc" });
  const result = {
    running_run_id: ping.run_id,
    cancel_response: cancelled,
    run_statuses_after: statuses,
    queued_outcome: queuedOutcome,
    history: history.map((m) => [m.message_type, m.run_id, m.content?.slice?.(0, 60) ?? null]),
  };
  console.log(JSON.stringify(result));
  assert.ok(ping.run_id in cancelled);
  for (const [runId, status] of Object.entries(statuses)) {
    assert.equal(status, "cancelled", `cancel reported ${runId} cancelled, but it ended ${status}`);
  }
  return result;
}

// A conversation's runs: Letta's Run carries conversation_id and runs.list filters on it.
async function runs(client) {
  const agent = await newAgent(client);
  const one = await client.conversations.create({ agent_id: agent.id });
  const two = await client.conversations.create({ agent_id: agent.id });
  const first = await sendJson(client, one.id, { input: "in one" });
  const second = await sendJson(client, two.id, { input: "in two" });
  const [runOne] = first.usage.run_ids;
  const [runTwo] = second.usage.run_ids;
  const retrieved = await client.runs.retrieve(runOne);
  const listed = (await client.runs.list({ agent_id: agent.id, conversation_id: one.id }))
    .getPaginatedItems();
  const result = {
    agent_id: agent.id,
    conversation_id: one.id,
    retrieved_conversation_id: retrieved.conversation_id ?? null,
    listed_for_one: listed.map((r) => r.id),
    run_one: runOne,
    run_two: runTwo,
  };
  console.log(JSON.stringify(result));
  assert.equal(retrieved.conversation_id, one.id, "Run.conversation_id");
  assert.deepEqual(result.listed_for_one, [runOne], "runs.list({conversation_id}) filters");
  return result;
}

const SCENARIOS = {
  lifecycle,
  runs,
  default: defaultConversation,
  memory,
  resume,
  active,
  "busy-wait": busyWait,
  "busy-conflict": busyConflict,
  "cancel-queued": cancelQueued,
};

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [baseURL, scenario] = process.argv.slice(2);
  assert.ok(SCENARIOS[scenario], `unknown scenario ${scenario}; one of ${Object.keys(SCENARIOS)}`);
  console.log(JSON.stringify(await SCENARIOS[scenario](connect(baseURL))));
}
