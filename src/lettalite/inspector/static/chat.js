// Chatting with an agent: the history, the streamed reply token by token, tool calls and
// returns inline, and approval requests answered with approve or deny.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, get, html, postStream, query } from "./api.js";

const HISTORY = 50;

const callOf = (message) =>
  message.tool_call || (Array.isArray(message.tool_calls) ? message.tool_calls[0] : message.tool_calls);

function textOf(content) {
  if (typeof content === "string") return content;
  return (content || []).map((part) => part.text || "").join("\n");
}

function pretty(args) {
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args || "";
  }
}

// Streamed events sharing an id and a type are pieces of one message: glue them together.
function merge(items, event) {
  const key = `${event.id}:${event.message_type}`;
  const index = items.findIndex((item) => item.key === key);
  if (index < 0) return [...items, { ...event, key }];
  const item = { ...items[index] };
  if (event.message_type === "assistant_message") item.content = textOf(item.content) + textOf(event.content);
  if (event.message_type === "reasoning_message") item.reasoning = (item.reasoning || "") + (event.reasoning || "");
  const delta = callOf(event);
  if (delta) {
    const call = callOf(item);
    item.tool_call = {
      ...call,
      name: call.name || delta.name,
      arguments: (call.arguments || "") + (delta.arguments || ""),
    };
  }
  return items.map((old, i) => (i === index ? item : old));
}

function Approval({ call, onAnswer }) {
  const [reason, setReason] = useState("");
  return html`
    <div class="approval" data-testid="approval">
      <span>Run <code>${call.name}</code>?</span>
      <button onClick=${() => onAnswer(call.tool_call_id, true)}>Approve</button>
      <input placeholder="reason (optional)" aria-label="denial reason" value=${reason}
        onInput=${(e) => setReason(e.target.value)} />
      <button class="danger" onClick=${() => onAnswer(call.tool_call_id, false, reason)}>Deny</button>
    </div>`;
}

function Message({ message, pending, onAnswer }) {
  const type = message.message_type;
  if (type === "user_message") {
    return html`<div class="msg user" data-testid="msg-user">${textOf(message.content)}</div>`;
  }
  if (type === "assistant_message") {
    return html`<div class="msg assistant" data-testid="msg-assistant">${textOf(message.content)}</div>`;
  }
  if (type === "reasoning_message") {
    return html`<div class="msg reasoning"><span class="muted">thinking </span>${message.reasoning}</div>`;
  }
  if (type === "tool_call_message" || type === "approval_request_message") {
    const call = callOf(message) || {};
    const waiting = type === "approval_request_message";
    return html`
      <div class="msg tool-call" data-testid="msg-tool-call">
        <span class="muted">${waiting ? "asks to call" : "calls"}</span> <code>${call.name}</code>
        <pre>${pretty(call.arguments)}</pre>
        ${waiting && pending && html`<${Approval} call=${call} onAnswer=${onAnswer} />`}
      </div>`;
  }
  if (type === "tool_return_message") {
    return html`
      <div class=${`msg tool-return ${message.status}`} data-testid="msg-tool-return">
        <span class="muted">returned (${message.status})</span><pre>${message.tool_return}</pre>
      </div>`;
  }
  if (type === "approval_response_message") {
    const answers = message.approvals || [];
    const approved = answers.length ? answers.every((a) => a.approve !== false) : message.approve;
    return html`<div class="msg muted">${approved ? "Approved" : "Denied"}</div>`;
  }
  if (type === "error") {
    return html`<div class="msg error" role="alert">${message.text}</div>`;
  }
  if (type === "answer") {
    return html`<div class="msg muted" data-testid="approval-answer">${message.text}</div>`;
  }
  if (type === "stop") {
    return html`<div class="msg stop muted" data-testid="turn-end">${message.text}</div>`;
  }
  return null;
}

function ConversationPicker({ agentId, value, onChange }) {
  const [conversations, setConversations] = useState([]);
  const load = () => get(`/v1/conversations/${query({ agent_id: agentId, limit: 50 })}`).then(setConversations);
  useEffect(() => { load(); }, [agentId]);
  const create = async () => {
    const conversation = await api("POST", `/v1/conversations/${query({ agent_id: agentId })}`, {});
    await load();
    onChange(conversation.id);
  };
  return html`
    <div class="conversation-picker">
      <select aria-label="conversation" value=${value} onChange=${(e) => onChange(e.target.value)}>
        <option value="">Agent's default conversation</option>
        ${conversations.map((c) => html`<option value=${c.id}>${c.summary || c.id}</option>`)}
      </select>
      <button class="link" onClick=${create}>+ New conversation</button>
    </div>`;
}

// The messages of one conversation (the agent's default one without `conversationId`) and
// the turns sent to it, each streamed into `items` as it arrives.
function useTurns(agentId, conversationId, onMemoryMaybeChanged) {
  const [items, setItems] = useState([]);
  const [busy, setBusy] = useState(false);
  const base = conversationId ? `/v1/conversations/${conversationId}` : `/v1/agents/${agentId}`;

  useEffect(() => {
    // The agent's message list holds every conversation's: ask for the default one's only.
    const which = conversationId ? {} : { conversation_id: "default" };
    get(`${base}/messages${query({ ...which, limit: HISTORY, order: "desc" })}`)
      .then((messages) => setItems(messages.reverse()
        .filter((m) => m.message_type !== "system_message") // the Context tab shows the prompt
        .map((m) => ({ ...m, key: `${m.id}:${m.message_type}` }))))
      .catch((error) => setItems([{ key: "load-error", message_type: "error", text: error.message }]));
  }, [base]);

  const note = (message_type, fields) =>
    setItems((old) => [...old, { key: `${message_type}-${old.length}`, message_type, ...fields }]);

  const onEvent = (event, eventName) => {
    if (eventName === "error" || event.message_type === "error_message") {
      note("error", { text: event.detail || event.message });
    } else if (event.message_type === "stop_reason") {
      note("stop", { text: `Turn ended: ${event.stop_reason}` });
    } else if (event.message_type === "usage_statistics") {
      note("stop", { text: `${event.step_count} step(s), ${event.total_tokens} tokens` });
    } else if (event.message_type !== "ping") {
      setItems((old) => merge(old, event));
      if (event.message_type === "tool_return_message") onMemoryMaybeChanged();
    }
  };

  const run = async (messages) => {
    setBusy(true);
    try {
      await postStream(`${base}/messages`, { messages, streaming: true, stream_tokens: true }, onEvent);
    } catch (error) {
      note("error", { text: error.message });
    } finally {
      setBusy(false);
      onMemoryMaybeChanged();
    }
  };

  const say = (content) => {
    note("user_message", { content });
    run([{ role: "user", content }]);
  };

  const answer = (toolCallId, approve, reason) => {
    note("answer", { text: approve ? "You approved the call." : `You denied the call${reason ? `: ${reason}` : "."}` });
    run([{ type: "approval", approvals: [{ type: "approval", tool_call_id: toolCallId, approve, reason: reason || undefined }] }]);
  };

  return { items, busy, say, answer };
}

export function Chat({ agent, onMemoryMaybeChanged }) {
  const [conversationId, setConversationId] = useState("");
  const [text, setText] = useState("");
  const log = useRef(null);
  const { items, busy, say, answer } = useTurns(agent.id, conversationId, onMemoryMaybeChanged);

  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [items]);

  const send = (event) => {
    event.preventDefault();
    if (!text.trim() || busy) return;
    say(text);
    setText("");
  };

  // Approve and Deny show on the newest message while it is an approval request.
  const last = items.filter((item) => !["stop", "answer"].includes(item.message_type)).at(-1);
  const pendingKey = last && last.message_type === "approval_request_message" && !busy ? last.key : null;

  return html`
    <section class="card chat" data-testid="chat">
      <${ConversationPicker} agentId=${agent.id} value=${conversationId} onChange=${setConversationId} />
      <div class="log" ref=${log} data-testid="chat-log">
        ${items.length === 0 && html`<p class="muted">No messages yet. Say something.</p>`}
        ${items.map((item) => html`<${Message} key=${item.key} message=${item}
          pending=${item.key === pendingKey} onAnswer=${answer} />`)}
      </div>
      <form class="composer" onSubmit=${send}>
        <textarea rows="2" placeholder="Message the agent" aria-label="message" value=${text}
          onInput=${(e) => setText(e.target.value)}
          onKeyDown=${(e) => { if (e.key === "Enter" && !e.shiftKey) send(e); }} />
        <button type="submit" disabled=${busy}>${busy ? "…" : "Send"}</button>
      </form>
    </section>`;
}
