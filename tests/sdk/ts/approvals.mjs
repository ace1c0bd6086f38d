// Client-side tools and approvals under @letta-ai/letta-client 1.12.1, on conversations:
// Letta Code's exec_command round trip, denials, the errors, cancelling a pending approval,
// forks of a paused conversation, and server tools made to require approval.
// Usage: node approvals.mjs <base-url> <scenario>. The script asserts; its last line is JSON
// with what the pytest side checks on the server and in the model's requests.
import assert from "node:assert/strict";
import {
  collect,
  connect,
  expectError,
  expectStreamError,
  joined,
  kinds,
  listAll,
  newAgent,
  replyText,
  sendJson,
  stopReason,
} from "./conversations.mjs";

// Letta Code's exec_command, as it offers it.
export const EXEC_COMMAND = {
  name: "exec_command",
  description: "Runs a shell command and returns its output.",
  parameters: {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    properties: {
      cmd: { type: "string", description: "The command to run" },
      workdir: { type: "string", description: "The working directory" },
    },
    required: ["cmd"],
    additionalProperties: false,
  },
};
const CALL_LS = '[[call exec_command {"cmd":"ls"}]]';
const WAITING = /waiting for approval/;
const DONE = "Done. Last tool result: ";

// A Letta Code turn: streamed, token deltas, pings, the client tools on every request.
function lettaCodeSend(client, conversationId, messages, extra = {}) {
  return client.conversations.messages.create(conversationId, {
    messages,
    streaming: true,
    stream_tokens: true,
    include_pings: true,
    client_tools: [EXEC_COMMAND],
    ...extra,
  });
}

function userMessage(text, otid) {
  return { role: "user", content: [{ type: "text", text }], otid };
}

// Streams a prompt that calls exec_command and checks the pause; returns the waiting call.
async function pauseOnExec(client, conversationId, prompt = CALL_LS, otid = undefined) {
  const chunks = await collect(
    await lettaCodeSend(client, conversationId, [userMessage(prompt, otid)]));
  assert.equal(stopReason(chunks), "requires_approval");
  const requests = chunks.filter((c) => c.message_type === "approval_request_message");
  assert.ok(requests.length > 0, `no approval_request_message in ${kinds(chunks)}`);
  for (const chunk of requests) {
    assert.match(chunk.tool_call?.tool_call_id ?? "", /\S/, "every chunk carries the call id");
  }
  const callIds = new Set(requests.map((c) => c.tool_call.tool_call_id));
  assert.equal(callIds.size, 1);
  assert.equal(requests[0].tool_call.name, "exec_command");
  return {
    chunks,
    runId: chunks[0].run_id,
    callId: requests[0].tool_call.tool_call_id,
    streamedArguments: joined(chunks, "approval_request_message", (c) => c.tool_call.arguments),
    messageId: requests[0].id,
  };
}

function toolAnswer(callId, text, status = "success", otid = undefined) {
  return {
    type: "approval",
    ...(otid ? { otid } : {}),
    approvals: [
      { type: "tool", tool_call_id: callId, tool_return: text, status, stdout: [text], stderr: null },
    ],
  };
}

function decision(callId, approve, reason = undefined) {
  return {
    type: "approval",
    approvals: [{ type: "approval", tool_call_id: callId, approve, ...(reason ? { reason } : {}) }],
  };
}

// Letta Code's round trip: the model calls exec_command, the client runs it and streams the
// result back; the model's answer carries it.
async function clientTool(client) {
  const agent = await newAgent(client);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const pause = await pauseOnExec(client, conversation.id, CALL_LS, "otid-ask");
  assert.equal(pause.chunks[0].message_type, "ping");
  assert.equal(JSON.parse(pause.streamedArguments).cmd, "ls");

  const paused = await listAll(client, conversation.id, { order: "asc" });
  assert.deepEqual(kinds(paused), ["system_message", "user_message", "approval_request_message"]);
  const stored = paused[2];
  assert.equal(stored.id, pause.messageId);
  assert.deepEqual(stored.tool_calls.map((c) => c.tool_call_id), [pause.callId]);
  assert.deepEqual(JSON.parse(stored.tool_call.arguments), { cmd: "ls" });
  const pausedRun = await client.runs.retrieve(pause.runId);
  assert.equal(pausedRun.stop_reason, "requires_approval");

  const answer = await collect(
    await lettaCodeSend(client, conversation.id, [
      toolAnswer(pause.callId, "file1\nfile2", "success", "otid-answer"),
    ]),
  );
  assert.equal(stopReason(answer), "end_turn");
  const reply = joined(answer);
  assert.ok(reply.startsWith(DONE), reply);
  assert.match(reply, /file1\\nfile2/, "the model saw the returned text");
  const answerRun = answer[0].run_id;
  assert.notEqual(answerRun, pause.runId);

  const history = await listAll(client, conversation.id, { order: "asc" });
  assert.deepEqual(kinds(history).slice(3), [
    "approval_response_message", "tool_return_message", "assistant_message",
  ]);
  const [response, toolReturn, final] = history.slice(3);
  assert.equal(response.otid, "otid-answer");
  assert.equal(response.approvals[0].tool_call_id, pause.callId);
  assert.equal(toolReturn.tool_call_id, pause.callId);
  assert.equal(toolReturn.status, "success");
  assert.equal(toolReturn.tool_return, "file1\nfile2");
  assert.deepEqual(toolReturn.stdout, ["file1\nfile2"]);
  assert.equal(final.content, reply);

  // Both turns can be re-attached by the otid of their first message.
  const again = await collect(
    await client.conversations.messages.stream(conversation.id, { otid: "otid-answer" }));
  assert.equal(joined(again), reply);
  const askAgain = await collect(
    await client.conversations.messages.stream(conversation.id, { otid: "otid-ask" }));
  assert.equal(stopReason(askAgain), "requires_approval");

  // The conversation is free again.
  const next = await sendJson(client, conversation.id, { input: "thanks" });
  assert.equal(next.stop_reason.stop_reason, "end_turn");
  return {
    agent_id: agent.id,
    conversation_id: conversation.id,
    call_id: pause.callId,
    paused_run_id: pause.runId,
    answer_run_id: answerRun,
  };
}

// Denials: of a client tool (streamed) and, in JSON, an error result from the client.
async function deny(client) {
  const agent = await newAgent(client);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const pause = await pauseOnExec(client, conversation.id, '[[call exec_command {"cmd":"rm -rf /"}]]');
  const answer = await collect(
    await lettaCodeSend(client, conversation.id, [decision(pause.callId, false, "not allowed")]));
  assert.equal(stopReason(answer), "end_turn");
  const reply = joined(answer);
  assert.match(reply, /Error: request to call tool denied\. User reason: not allowed/);
  assert.match(reply, /"status": "Failed"/);
  const history = await listAll(client, conversation.id, { order: "asc" });
  const denied = history.find((m) => m.message_type === "tool_return_message");
  assert.equal(denied.status, "error");
  assert.equal(denied.tool_call_id, pause.callId);
  assert.match(denied.tool_return, /request to call tool denied/);
  const response = history.find((m) => m.message_type === "approval_response_message");
  assert.equal(response.approvals[0].approve, false);
  assert.equal(response.approvals[0].reason, "not allowed");

  // A client result with status error, answered in JSON.
  const failing = await pauseOnExec(client, conversation.id, '[[call exec_command {"cmd":"false"}]]');
  const failed = await sendJson(client, conversation.id, {
    messages: [toolAnswer(failing.callId, "exit status 1", "error")],
    client_tools: [EXEC_COMMAND],
  });
  assert.equal(failed.stop_reason.stop_reason, "end_turn");
  assert.match(replyText(failed), /"status": "Failed"[\s\S]*exit status 1/);
  return { agent_id: agent.id, conversation_id: conversation.id, denied_call_id: pause.callId };
}

// What a paused conversation refuses, and that it still takes the right answer afterwards.
async function errors(client) {
  const agent = await newAgent(client);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const nothingPending = await expectError(
    sendJson(client, conversation.id, { messages: [decision("call_none", true)] }),
    400, /No tool call is currently awaiting approval/);

  const pause = await pauseOnExec(client, conversation.id);
  const wrongJson = await expectError(
    sendJson(client, conversation.id, {
      messages: [toolAnswer("call_wrong", "x")], client_tools: [EXEC_COMMAND],
    }),
    400, /Invalid tool call IDs\. Expected .*call_wrong/);
  assert.ok(wrongJson.detail.includes(pause.callId));
  const wrongStream = await expectStreamError(
    lettaCodeSend(client, conversation.id, [toolAnswer("call_wrong", "x")]));
  assert.match(wrongStream.frame.message, /Invalid tool call IDs/);
  assert.equal(stopReason(wrongStream.before), "error");
  const extra = await expectError(
    sendJson(client, conversation.id, {
      messages: [{
        type: "approval",
        approvals: [
          { type: "tool", tool_call_id: pause.callId, tool_return: "x", status: "success" },
          { type: "approval", tool_call_id: "call_extra", approve: true },
        ],
      }],
    }),
    400, /Invalid tool call IDs/);
  const empty = await expectError(
    sendJson(client, conversation.id, { messages: [{ type: "approval", approvals: [] }] }),
    400, /does not contain any approvals/);

  const newMessageJson = await expectError(
    sendJson(client, conversation.id, { input: "are you there?" }), 409, WAITING);
  assert.equal(typeof newMessageJson.detail, "string");
  const newMessageStream = await expectStreamError(
    lettaCodeSend(client, conversation.id, [userMessage("are you there?")]));
  assert.match(newMessageStream.frame.message, WAITING);
  assert.equal(newMessageStream.before[0].message_type, "ping");
  assert.equal(stopReason(newMessageStream.before), "error");

  // The refusals stored nothing: the call still waits, and the right answer goes through.
  const history = await listAll(client, conversation.id, { order: "asc" });
  assert.deepEqual(kinds(history), ["system_message", "user_message", "approval_request_message"]);
  const answer = await collect(
    await lettaCodeSend(client, conversation.id, [toolAnswer(pause.callId, "finally")]));
  assert.equal(stopReason(answer), "end_turn");
  assert.match(joined(answer), /finally/);

  // Two calls wait at once ([[parallel]]): answering one of them is refused.
  const both = await sendJson(client, conversation.id, {
    input: '[[call exec_command {"cmd":"ls"}]] [[call exec_command {"cmd":"pwd"}]] [[parallel]]',
    client_tools: [EXEC_COMMAND],
  });
  assert.equal(both.stop_reason.stop_reason, "requires_approval");
  const waiting = both.messages.find((m) => m.message_type === "approval_request_message");
  const ids = waiting.tool_calls.map((c) => c.tool_call_id);
  assert.equal(ids.length, 2);
  const partial = await expectError(
    sendJson(client, conversation.id, { messages: [toolAnswer(ids[0], "one")] }),
    400, /Invalid tool call IDs/);
  const pair = await sendJson(client, conversation.id, {
    messages: [{
      type: "approval",
      approvals: [
        { type: "tool", tool_call_id: ids[1], tool_return: "in /work", status: "success" },
        { type: "tool", tool_call_id: ids[0], tool_return: "a b c", status: "success" },
      ],
    }],
    client_tools: [EXEC_COMMAND],
  });
  assert.equal(pair.stop_reason.stop_reason, "end_turn");

  // The default conversation: the agents route answers Letta's structured 409.
  const paused = await sendJson(client, "default", {
    agent_id: agent.id, input: CALL_LS, client_tools: [EXEC_COMMAND],
  });
  assert.equal(paused.stop_reason.stop_reason, "requires_approval");
  const agentsRoute = await expectError(
    client.agents.messages.create(agent.id, { input: "hello?" }), 409, WAITING);
  assert.equal(agentsRoute.detail.code, "PENDING_APPROVAL");
  assert.equal(
    agentsRoute.detail.pending_request_id,
    paused.messages.find((m) => m.message_type === "approval_request_message").id,
  );
  const defaultRoute = await expectError(
    sendJson(client, "default", { agent_id: agent.id, input: "hello?" }), 409, WAITING);
  assert.equal(typeof defaultRoute.detail, "string");
  return {
    agent_id: agent.id,
    conversation_id: conversation.id,
    errors: {
      nothingPending, wrongJson, wrongStream: wrongStream.frame, extra, empty, partial,
      newMessageJson, newMessageStream: newMessageStream.frame, agentsRoute, defaultRoute,
    },
  };
}

// Cancel on a paused conversation denies the waiting calls; with nothing left, cancel is a 409.
async function cancelPending(client) {
  const agent = await newAgent(client);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const pause = await pauseOnExec(client, conversation.id);
  const cancelled = await client.conversations.cancel(conversation.id);
  assert.deepEqual(cancelled, { [pause.runId]: "cancelled" });
  const history = await listAll(client, conversation.id, { order: "asc" });
  const denial = history.find((m) => m.message_type === "tool_return_message");
  assert.equal(denial.tool_call_id, pause.callId);
  assert.equal(denial.status, "error");
  assert.match(denial.tool_return, /The user cancelled the request, so the tool call was denied\./);
  await expectError(client.conversations.cancel(conversation.id), 409, /No active runs to cancel/);
  // A late answer to the denied call is taken as a retry (as Letta does): accepted, but the
  // stored denial stays the call's only result.
  const late = await sendJson(client, conversation.id, {
    messages: [toolAnswer(pause.callId, "late")],
  });
  assert.equal(late.stop_reason.stop_reason, "end_turn");
  const results = (await listAll(client, conversation.id, { order: "asc" }))
    .filter((m) => m.message_type === "tool_return_message");
  assert.deepEqual(results.map((m) => [m.tool_call_id, m.tool_return]), [
    [pause.callId, denial.tool_return],
  ]);
  await expectError(
    sendJson(client, conversation.id, { messages: [toolAnswer("call_other", "x")] }),
    400, /No tool call is currently awaiting approval/);
  const after = await sendJson(client, conversation.id, { input: "after the cancel" });
  assert.equal(after.stop_reason.stop_reason, "end_turn");

  // The same on the default conversation (agent_id in the query).
  const defaultPause = await sendJson(client, "default", {
    agent_id: agent.id, input: CALL_LS, client_tools: [EXEC_COMMAND],
  });
  assert.equal(defaultPause.stop_reason.stop_reason, "requires_approval");
  const defaultCancelled = await client.conversations.cancel("default", { agent_id: agent.id });
  assert.deepEqual(Object.values(defaultCancelled), ["cancelled"]);
  const free = await client.agents.messages.create(agent.id, { input: "free again" });
  assert.equal(free.stop_reason.stop_reason, "end_turn");
  return { agent_id: agent.id, conversation_id: conversation.id, paused_run_id: pause.runId };
}

// A fork of a paused conversation waits on the same call; answering one leaves the other.
async function forkPending(client) {
  const agent = await newAgent(client);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const pause = await pauseOnExec(client, conversation.id);
  const fork = await client.conversations.fork(conversation.id);
  await expectError(sendJson(client, fork.id, { input: "hello" }), 409, WAITING);
  const forkAnswer = await sendJson(client, fork.id, {
    messages: [toolAnswer(pause.callId, "answered in the fork")], client_tools: [EXEC_COMMAND],
  });
  assert.match(replyText(forkAnswer), /answered in the fork/);
  await expectError(sendJson(client, conversation.id, { input: "hello" }), 409, WAITING);
  const original = await sendJson(client, conversation.id, {
    messages: [toolAnswer(pause.callId, "answered in the original")], client_tools: [EXEC_COMMAND],
  });
  assert.match(replyText(original), /answered in the original/);
  return { agent_id: agent.id, conversation_id: conversation.id, fork_id: fork.id };
}

// A client tool beside a server tool in one step, and a client tool shadowing a server tool:
// the server tool is parked with the pause and runs once the client answers.
async function mixed(client) {
  const agent = await newAgent(client);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const shadow = {
    name: "conversation_search",
    description: "Client-side search (shadows the server tool)",
    parameters: { type: "object", properties: { q: { type: "string" } } },
  };
  const prompt = '[[call conversation_search {"q":"x"}]] '
    + '[[call memory_insert {"label":"human","new_string":"Likes tea"}]] [[parallel]]';
  const chunks = await collect(
    await client.conversations.messages.create(conversation.id, {
      input: prompt, stream_tokens: true, client_tools: [shadow, EXEC_COMMAND],
    }),
  );
  assert.equal(stopReason(chunks), "requires_approval");
  const waiting = chunks.filter((c) => c.message_type === "approval_request_message");
  assert.deepEqual([...new Set(waiting.map((c) => c.tool_call.tool_call_id))].length, 1);
  assert.equal(waiting[0].tool_call.name, "conversation_search");
  const parked = chunks.filter((c) => c.message_type === "tool_call_message");
  assert.equal(parked[0].tool_call.name, "memory_insert");
  const unchanged = await client.agents.blocks.retrieve("human", { agent_id: agent.id });
  assert.equal(unchanged.value, "Name: User", "the parked call has not run yet");

  const answer = await collect(
    await client.conversations.messages.create(conversation.id, {
      messages: [toolAnswer(waiting[0].tool_call.tool_call_id, "client search result")],
      stream_tokens: true,
      client_tools: [shadow, EXEC_COMMAND],
    }),
  );
  assert.equal(stopReason(answer), "end_turn");
  const ran = answer.filter((c) => c.message_type === "tool_return_message");
  assert.equal(ran.length, 1, "the parked server call ran and is streamed");
  assert.equal(ran[0].tool_call_id, parked[0].tool_call.tool_call_id);
  const human = await client.agents.blocks.retrieve("human", { agent_id: agent.id });
  assert.equal(human.value, "Name: User\nLikes tea");
  return {
    agent_id: agent.id,
    conversation_id: conversation.id,
    client_call_id: waiting[0].tool_call.tool_call_id,
    server_call_id: parked[0].tool_call.tool_call_id,
  };
}

// The SDK's own call for the approval rule: client.agents.tools.updateApproval(name, {agent_id,
// body_requires_approval}) (and its deprecated query form).
async function updateApproval(client) {
  const agent = await newAgent(client);
  const outcomes = {};
  for (const [form, params] of [
    ["body", { body_requires_approval: true }],
    ["query", { query_requires_approval: true }],
  ]) {
    try {
      const result = await client.agents.tools.updateApproval("memory_replace", {
        agent_id: agent.id, ...params,
      });
      const rules = (await client.agents.retrieve(agent.id)).tool_rules;
      outcomes[form] = { ok: true, returned_agent: result?.id ?? null, rules };
    } catch (error) {
      outcomes[form] = { ok: false, status: error.status, error: error.error };
    }
  }
  console.log(JSON.stringify(outcomes));
  for (const [form, outcome] of Object.entries(outcomes)) {
    assert.ok(outcome.ok, `updateApproval (${form} form) failed: ${JSON.stringify(outcome)}`);
    assert.deepEqual(
      outcome.rules.filter((r) => r.type === "requires_approval").map((r) => r.tool_name),
      ["memory_replace"],
    );
  }
  const off = await client.agents.tools.updateApproval("memory_replace", {
    agent_id: agent.id, body_requires_approval: false,
  });
  assert.ok(off === null || off.id === agent.id);
  const rules = (await client.agents.retrieve(agent.id)).tool_rules ?? [];
  assert.ok(rules.every((r) => r.type !== "requires_approval"));
  return { agent_id: agent.id, outcomes };
}

// Sets the rule with the SDK's call, or (while the server refuses it, see updateApproval above)
// with the SDK's generic client.patch and the body Letta documents.
async function requireApproval(client, agentId, toolName, required) {
  try {
    await client.agents.tools.updateApproval(toolName, {
      agent_id: agentId, body_requires_approval: required,
    });
    return "updateApproval";
  } catch (error) {
    if (error.status !== 422) throw error;
    await client.patch(`/v1/agents/${agentId}/tools/approval/${toolName}`, {
      body: { requires_approval: required },
    });
    return `client.patch (updateApproval: ${error.status} ${JSON.stringify(error.error)})`;
  }
}

// A server tool that requires approval: approved it runs on the server, denied it does not.
async function serverTool(client) {
  const agent = await newAgent(client);
  const setBy = await requireApproval(client, agent.id, "memory_replace", true);
  const conversation = await client.conversations.create({ agent_id: agent.id });
  const human = async () =>
    (await client.agents.blocks.retrieve("human", { agent_id: agent.id })).value;

  const ask = await collect(
    await client.conversations.messages.create(conversation.id, {
      input: "My name is Carol", stream_tokens: true,
    }),
  );
  assert.equal(stopReason(ask), "requires_approval");
  const waiting = ask.filter((c) => c.message_type === "approval_request_message");
  assert.equal(waiting[0].tool_call.name, "memory_replace");
  const callId = waiting[0].tool_call.tool_call_id;
  assert.ok(waiting.every((c) => c.tool_call.tool_call_id === callId));
  assert.equal(await human(), "Name: User", "nothing ran before the approval");

  const approved = await collect(
    await client.conversations.messages.create(conversation.id, {
      messages: [decision(callId, true)], stream_tokens: true,
    }),
  );
  assert.equal(stopReason(approved), "end_turn");
  const ran = approved.find((c) => c.message_type === "tool_return_message");
  assert.equal(ran.tool_call_id, callId);
  assert.equal(ran.status, "success");
  assert.equal(joined(approved), "Got it! I've updated my memory with your name, Carol.");
  assert.equal(await human(), "Name: Carol");

  const second = await sendJson(client, conversation.id, { input: "My name is Dave" });
  assert.equal(second.stop_reason.stop_reason, "requires_approval");
  const secondCall = second.messages.find((m) => m.message_type === "approval_request_message");
  const denied = await sendJson(client, conversation.id, {
    messages: [decision(secondCall.tool_call.tool_call_id, false, "keep Carol")],
  });
  assert.match(replyText(denied), /^I could not update my memory: [\s\S]*User reason: keep Carol/);
  assert.equal(await human(), "Name: Carol");

  // Letta's older single-call form, by the approval message's id.
  const third = await sendJson(client, conversation.id, { input: "My name is Erin" });
  const thirdRequest = third.messages.find((m) => m.message_type === "approval_request_message");
  const legacy = await sendJson(client, conversation.id, {
    messages: [{ type: "approval", approve: true, approval_request_id: thirdRequest.id }],
  });
  assert.equal(replyText(legacy), "Got it! I've updated my memory with your name, Erin.");
  assert.equal(await human(), "Name: Erin");

  await requireApproval(client, agent.id, "memory_replace", false);
  const direct = await sendJson(client, conversation.id, { input: "My name is Finn" });
  assert.equal(direct.stop_reason.stop_reason, "end_turn");
  assert.equal(await human(), "Name: Finn");
  return { agent_id: agent.id, conversation_id: conversation.id, call_id: callId, rule_set_by: setBy };
}

const SCENARIOS = {
  "client-tool": clientTool,
  deny,
  errors,
  "cancel-pending": cancelPending,
  "fork-pending": forkPending,
  mixed,
  "update-approval": updateApproval,
  "server-tool": serverTool,
};

const [baseURL, scenario] = process.argv.slice(2);
assert.ok(SCENARIOS[scenario], `unknown scenario ${scenario}; one of ${Object.keys(SCENARIOS)}`);
console.log(JSON.stringify(await SCENARIOS[scenario](connect(baseURL))));
