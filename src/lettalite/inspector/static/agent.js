// One agent: its tabs, with chat and live memory side by side.
import { useEffect, useState } from "preact/hooks";
import { get, html } from "./api.js";
import { Chat } from "./chat.js";
import { Memory } from "./memory.js";
import { Archival, Settings, Tools } from "./panels.js";
import { ContextWindow, Runs } from "./insight.js";

const TABS = [
  ["chat", "Chat"],
  ["memory", "Memory"],
  ["archival", "Archival"],
  ["tools", "Tools"],
  ["context", "Context"],
  ["runs", "Runs"],
  ["settings", "Settings"],
];

export function AgentView({ agentId, tab }) {
  const [agent, setAgent] = useState(null);
  const [problem, setProblem] = useState(null);
  // Bumped when the agent may have changed its memory (a tool returned, a turn ended).
  const [memoryTick, setMemoryTick] = useState(0);
  const bumpMemory = () => setMemoryTick((tick) => tick + 1);

  const reload = () =>
    get(`/v1/agents/${agentId}`).then(setAgent).catch((error) => setProblem(error.message));
  useEffect(() => { reload(); }, [agentId]);

  if (problem) return html`<p class="error card">${problem}</p>`;
  if (!agent) return html`<p class="muted">Loading agent…</p>`;

  const panels = {
    chat: html`
      <div class="chat-layout">
        <${Chat} agent=${agent} onMemoryMaybeChanged=${bumpMemory} />
        <${Memory} agentId=${agentId} tick=${memoryTick} />
      </div>`,
    memory: html`<${Memory} agentId=${agentId} tick=${memoryTick} />`,
    archival: html`<${Archival} agentId=${agentId} />`,
    tools: html`<${Tools} agentId=${agentId} />`,
    context: html`<${ContextWindow} agentId=${agentId} />`,
    runs: html`<${Runs} agentId=${agentId} />`,
    settings: html`<${Settings} agent=${agent} onSaved=${setAgent} />`,
  };
  return html`
    <div class="agent-view">
      <div class="agent-head">
        <h1 data-testid="agent-name">${agent.name}</h1>
        <span class="muted">${agent.model}</span>
        <code class="muted agent-id">${agent.id}</code>
      </div>
      <nav class="tabs" role="tablist">
        ${TABS.map(([name, label]) => html`
          <a role="tab" href=${`#/agents/${agentId}/${name}`}
            aria-selected=${tab === name ? "true" : "false"}>${label}</a>`)}
      </nav>
      ${panels[tab] || panels.chat}
    </div>`;
}
