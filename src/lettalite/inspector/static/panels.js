// What a person edits besides memory: archival passages, attached tools, prompt and model.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, formatDate, get, html, newestOnly, query } from "./api.js";
import { ModelPicker } from "./agents.js";

export function Archival({ agentId }) {
  const [passages, setPassages] = useState(null);
  const [search, setSearch] = useState("");
  // By meaning: the embedding search, nearest first; otherwise passages containing the text.
  const [byMeaning, setByMeaning] = useState(false);
  const [text, setText] = useState("");
  const [problem, setProblem] = useState(null);
  const base = `/v1/agents/${agentId}/archival-memory`;

  const fetchPassages = async () => {
    if (!byMeaning || !search) return get(`${base}${query({ search, limit: 100 })}`);
    const found = await get(`${base}/search${query({ query: search, top_k: 20 })}`);
    return found.results.map((r) => ({ id: r.id, text: r.content, created_at: r.timestamp, tags: r.tags }));
  };
  const apply = useRef(newestOnly()).current;
  const load = () => apply(fetchPassages(), setPassages, (error) => setProblem(error.message));
  useEffect(() => { load(); }, [agentId, search, byMeaning]);

  const add = async (event) => {
    event.preventDefault();
    if (!text.trim()) return;
    try {
      await api("POST", base, { text });
      setText("");
      load();
    } catch (error) {
      setProblem(error.message);
    }
  };
  const remove = async (passage) => {
    await api("DELETE", `${base}/${passage.id}`);
    load();
  };
  return html`
    <section class="card archival" data-testid="archival">
      <h2>Archival memory</h2>
      <input type="search" placeholder="Search passages" aria-label="search passages"
        value=${search} onInput=${(e) => setSearch(e.target.value)} />
      <label class="check"><input type="checkbox" checked=${byMeaning}
        onChange=${(e) => setByMeaning(e.target.checked)} /> by meaning</label>
      <form class="inline-form" onSubmit=${add}>
        <textarea rows="2" placeholder="New passage" aria-label="new passage" value=${text}
          onInput=${(e) => setText(e.target.value)} />
        <button type="submit">Insert</button>
      </form>
      ${problem && html`<p class="error">${problem}</p>`}
      ${passages && passages.length === 0 && html`<p class="muted">No passages${search ? " match" : ""}.</p>`}
      <ul class="rows">
        ${(passages || []).map((passage) => html`
          <li class="passage" data-testid="passage">
            <p>${passage.text}</p>
            <span class="muted">${formatDate(passage.created_at)}</span>
            ${(passage.tags || []).map((t) => html`<span class="tag">${t}</span>`)}
            <button class="link danger" onClick=${() => remove(passage)}>Delete</button>
          </li>`)}
      </ul>
    </section>`;
}

export function Tools({ agentId }) {
  const [attached, setAttached] = useState(null);
  const [all, setAll] = useState([]);
  const [needsApproval, setNeedsApproval] = useState(new Set());
  const [problem, setProblem] = useState(null);
  const load = async () => {
    try {
      const [mine, everything, agent] = await Promise.all([
        get(`/v1/agents/${agentId}/tools`),
        get("/v1/tools/?limit=200"),
        get(`/v1/agents/${agentId}`),
      ]);
      setAttached(mine);
      setAll(everything);
      const rules = (agent.tool_rules || []).filter((rule) => rule.type === "requires_approval");
      setNeedsApproval(new Set(rules.map((rule) => rule.tool_name)));
    } catch (error) {
      setProblem(error.message);
    }
  };
  useEffect(() => { load(); }, [agentId]);

  const act = async (path, body) => {
    try {
      await api("PATCH", path, body);
      await load();
    } catch (error) {
      setProblem(error.message);
    }
  };
  const ids = new Set((attached || []).map((tool) => tool.id));
  // Attached tools first, each group in the server's order.
  const ordered = [...all.filter((t) => ids.has(t.id)), ...all.filter((t) => !ids.has(t.id))];
  return html`
    <section class="card tools" data-testid="tools">
      <h2>Tools</h2>
      ${problem && html`<p class="error">${problem}</p>`}
      <ul class="rows">
        ${ordered.map((tool) => html`
          <li class="tool-row" data-testid="tool" data-name=${tool.name}>
            <code>${tool.name}</code>
            <span class="muted desc">${(tool.description || "").split("\n")[0]}</span>
            ${ids.has(tool.id)
              ? html`
                <label class="check"><input type="checkbox" checked=${needsApproval.has(tool.name)}
                  onChange=${(e) => act(`/v1/agents/${agentId}/tools/approval/${tool.name}`, { requires_approval: e.target.checked })} />
                  needs approval</label>
                <button class="link danger" onClick=${() => act(`/v1/agents/${agentId}/tools/detach/${tool.id}`)}>Detach</button>`
              : html`<button class="link" onClick=${() => act(`/v1/agents/${agentId}/tools/attach/${tool.id}`)}>Attach</button>`}
          </li>`)}
      </ul>
    </section>`;
}

export function Settings({ agent, onSaved }) {
  const [system, setSystem] = useState(agent.system || "");
  const [model, setModel] = useState(agent.model || "");
  const [status, setStatus] = useState(null);
  const save = async (event) => {
    event.preventDefault();
    try {
      onSaved(await api("PATCH", `/v1/agents/${agent.id}`, { system, model }));
      setStatus({ ok: true, text: "Saved." });
    } catch (error) {
      setStatus({ ok: false, text: error.message });
    }
  };
  return html`
    <form class="card settings" onSubmit=${save} data-testid="settings">
      <h2>Settings</h2>
      <label>Model <${ModelPicker} value=${model} onChange=${setModel} /></label>
      <label>System prompt
        <textarea rows="14" name="system" value=${system} onInput=${(e) => setSystem(e.target.value)} />
      </label>
      ${status && html`<p class=${status.ok ? "ok" : "error"} role="status">${status.text}</p>`}
      <button type="submit">Save</button>
    </form>`;
}
