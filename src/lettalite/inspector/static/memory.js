// The agent's memory blocks, refreshed while shown, with the line diff of every change seen.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, get, html } from "./api.js";
import { lineDiff } from "./diff.js";

const POLL_MS = 3000;

function Diff({ edit }) {
  return html`
    <pre class="diff" data-testid="block-diff">${lineDiff(edit.before, edit.after).map(
      (line) => html`<span class=${`diff-line op-${line.op === " " ? "same" : line.op === "+" ? "add" : "del"}`}
        >${line.op} ${line.text}\n</span>`)}</pre>`;
}

function BlockEditor({ agentId, block, onDone }) {
  const [value, setValue] = useState(block.value);
  const [limit, setLimit] = useState(block.limit);
  const [problem, setProblem] = useState(null);
  const save = async (event) => {
    event.preventDefault();
    try {
      const path = `/v1/agents/${agentId}/core-memory/blocks/${encodeURIComponent(block.label)}`;
      await api("PATCH", path, { value, limit: Number(limit) });
      onDone();
    } catch (error) {
      setProblem(error.message);
    }
  };
  return html`
    <form class="block-editor" onSubmit=${save}>
      <textarea rows="6" aria-label=${`${block.label} value`} value=${value}
        onInput=${(e) => setValue(e.target.value)} />
      <label>Limit <input type="number" min="1" aria-label=${`${block.label} limit`}
        value=${limit} onInput=${(e) => setLimit(e.target.value)} /></label>
      ${problem && html`<p class="error" role="alert">${problem}</p>`}
      <div class="actions">
        <button type="submit">Save</button>
        <button type="button" class="link" onClick=${onDone}>Cancel</button>
      </div>
    </form>`;
}

function Block({ agentId, block, edits, fresh, onSaved }) {
  const [editing, setEditing] = useState(false);
  const [latest, ...older] = [...edits].reverse();
  return html`
    <article class=${`block${fresh ? " changed" : ""}`} data-testid="memory-block"
      data-label=${block.label}>
      <header>
        <strong>${block.label}</strong>
        <span class="muted">${block.value.length.toLocaleString("en")} / ${block.limit.toLocaleString("en")} chars</span>
        ${block.read_only && html`<span class="tag">read-only</span>`}
        ${!editing && html`<button class="link" onClick=${() => setEditing(true)}>Edit</button>`}
      </header>
      ${block.description && html`<p class="muted block-description">${block.description}</p>`}
      ${editing
        ? html`<${BlockEditor} agentId=${agentId} block=${block}
            onDone=${() => { setEditing(false); onSaved(); }} />`
        : html`<pre class="block-value" data-testid="block-value">${block.value || " "}</pre>`}
      ${latest && html`
        <div class="edit">
          <span class="muted">Changed at ${latest.at.toLocaleTimeString()}</span>
          <${Diff} edit=${latest} />
        </div>`}
      ${older.length > 0 && html`
        <details><summary>${older.length} earlier change${older.length > 1 ? "s" : ""}</summary>
          ${older.map((edit) => html`<div class="edit">
            <span class="muted">${edit.at.toLocaleTimeString()}</span><${Diff} edit=${edit} /></div>`)}
        </details>`}
    </article>`;
}

export function Memory({ agentId, tick }) {
  const [blocks, setBlocks] = useState(null);
  const [problem, setProblem] = useState(null);
  // label -> [{before, after, at}], and the labels changed by the latest refresh.
  const edits = useRef(new Map());
  const [fresh, setFresh] = useState(new Set());
  const known = useRef(new Map());

  const refresh = async () => {
    try {
      const loaded = await get(`/v1/agents/${agentId}/core-memory/blocks`);
      const changed = new Set();
      for (const block of loaded) {
        const before = known.current.get(block.label);
        if (before !== undefined && before !== block.value) {
          const list = edits.current.get(block.label) || [];
          edits.current.set(block.label, [...list, { before, after: block.value, at: new Date() }]);
          changed.add(block.label);
        }
        known.current.set(block.label, block.value);
      }
      if (changed.size) setFresh(changed);
      setBlocks(loaded);
      setProblem(null);
    } catch (error) {
      setProblem(error.message);
    }
  };

  useEffect(() => { refresh(); }, [agentId, tick]);
  useEffect(() => {
    const timer = setInterval(refresh, POLL_MS);
    return () => clearInterval(timer);
  }, [agentId]);

  return html`
    <section class="card memory" data-testid="memory">
      <h2>Core memory <span class="muted live">live</span></h2>
      ${problem && html`<p class="error">${problem}</p>`}
      ${blocks && blocks.length === 0 && html`<p class="muted">This agent has no memory blocks.</p>`}
      ${(blocks || []).map((block) => html`
        <${Block} key=${block.id} agentId=${agentId} block=${block} onSaved=${refresh}
          edits=${edits.current.get(block.label) || []} fresh=${fresh.has(block.label)} />`)}
    </section>`;
}
