// Why the agent answered as it did: what fills its context window, and its runs and steps.
import { useEffect, useState } from "preact/hooks";
import { formatDate, formatMs, formatTokens, get, html, query } from "./api.js";

const CONTEXT_PARTS = [
  ["num_tokens_system", "System prompt"],
  ["num_tokens_core_memory", "Memory blocks"],
  ["num_tokens_functions_definitions", "Tool definitions"],
  ["num_tokens_external_memory_summary", "Memory metadata"],
  ["num_tokens_summary_memory", "Summary"],
  ["num_tokens_messages", "Messages"],
];

export function ContextWindow({ agentId }) {
  const [context, setContext] = useState(null);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    get(`/v1/agents/${agentId}/context`).then(setContext).catch((error) => setProblem(error.message));
  }, [agentId]);
  if (problem) return html`<p class="error card">${problem}</p>`;
  if (!context) return html`<p class="muted">Loading…</p>`;
  const max = context.context_window_size_max || 1;
  const used = context.context_window_size_current;
  return html`
    <section class="card context" data-testid="context">
      <h2>Context window</h2>
      <p><strong>${formatTokens(used)}</strong> of ${formatTokens(max)} tokens
        (${((100 * used) / max).toFixed(1)}%), ${context.num_messages} messages in context,${" "}
        ${context.num_recall_memory} in recall, ${context.num_archival_memory} archival passages.</p>
      <div class="bar" aria-hidden="true">
        ${CONTEXT_PARTS.map(([field], index) => html`
          <span class=${`seg seg-${index}`} style=${`width:${(100 * (context[field] || 0)) / max}%`} />`)}
      </div>
      <table class="numbers">
        <tbody>
          ${CONTEXT_PARTS.map(([field, label], index) => html`
            <tr data-testid="context-part">
              <td><span class=${`swatch seg-${index}`} />${label}</td>
              <td class="num">${formatTokens(context[field])}</td>
            </tr>`)}
        </tbody>
      </table>
      <details><summary>System prompt as the model sees it</summary>
        <pre class="prompt">${context.system_prompt}</pre></details>
    </section>`;
}

function Steps({ run }) {
  const [steps, setSteps] = useState(null);
  useEffect(() => { get(`/v1/runs/${run.id}/steps`).then(setSteps); }, [run.id]);
  if (!steps) return html`<p class="muted">Loading steps…</p>`;
  let previous = Date.parse(run.created_at);
  return html`
    <table class="numbers steps" data-testid="steps">
      <thead><tr><th>Step</th><th class="wide-only">Model</th><th>Finish</th>
        <th class="num">Tokens in / out</th><th class="num">Took</th></tr></thead>
      <tbody>
        ${steps.map((step, index) => {
          // Steps record when they ended; the gap to the one before is how long it took.
          const ended = Date.parse(step.created_at);
          const took = ended - previous;
          previous = ended;
          return html`<tr>
            <td>${index + 1}</td><td class="wide-only">${step.model_handle || step.model}</td>
            <td>${step.finish_reason || step.status}</td>
            <td class="num">${formatTokens(step.prompt_tokens)} / ${formatTokens(step.completion_tokens)}</td>
            <td class="num">${formatMs(took * 1e6)}</td></tr>`;
        })}
      </tbody>
    </table>`;
}

export function Runs({ agentId }) {
  const [runs, setRuns] = useState(null);
  const [open, setOpen] = useState(null);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    get(`/v1/runs/${query({ agent_id: agentId, limit: 30 })}`).then(setRuns).catch((e) => setProblem(e.message));
  }, [agentId]);
  return html`
    <section class="card runs" data-testid="runs">
      <h2>Runs</h2>
      ${problem && html`<p class="error">${problem}</p>`}
      ${runs && runs.length === 0 && html`<p class="muted">No runs yet: chat with the agent.</p>`}
      <ul class="rows">
        ${(runs || []).map((run) => html`
          <li class="run" data-testid="run">
            <button class="link run-head" aria-expanded=${open === run.id ? "true" : "false"}
              onClick=${() => setOpen(open === run.id ? null : run.id)}>
              <span class=${`status ${run.status}`}>${run.status}</span>
              <span>${formatDate(run.created_at)}</span>
              <span class="muted">${run.stop_reason || ""}</span>
              <span class="muted">first token ${formatMs(run.ttft_ns)}, total ${formatMs(run.total_duration_ns)}</span>
            </button>
            ${open === run.id && html`<${Steps} run=${run} />`}
          </li>`)}
      </ul>
    </section>`;
}
