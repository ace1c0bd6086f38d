// The agents page: search by name and tags, create with a model and memory blocks, delete.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, get, html, newestOnly, query } from "./api.js";

const STARTER_BLOCKS = [
  { label: "human", value: "", limit: 5000 },
  { label: "persona", value: "I am a helpful assistant.", limit: 5000 },
];

const splitTags = (text) => text.split(",").map((tag) => tag.trim()).filter(Boolean);

export function ModelPicker({ value, onChange, kind = "llm", name = "model" }) {
  const [models, setModels] = useState([]);
  useEffect(() => {
    get(kind === "llm" ? "/v1/models/" : "/v1/models/embedding").then(setModels);
  }, [kind]);
  useEffect(() => {
    if (!value && models.length) onChange(models[0].handle);
  }, [models]);
  return html`
    <select name=${name} value=${value} onChange=${(e) => onChange(e.target.value)}>
      ${models.map((m) => html`<option value=${m.handle}>${m.handle}</option>`)}
    </select>`;
}

function BlockRows({ blocks, onChange }) {
  const change = (index, field, value) =>
    onChange(blocks.map((block, i) => (i === index ? { ...block, [field]: value } : block)));
  return html`
    <div class="block-rows">
      ${blocks.map((block, index) => html`
        <div class="block-row">
          <input placeholder="label" value=${block.label} aria-label="block label"
            onInput=${(e) => change(index, "label", e.target.value)} />
          <input type="number" min="1" value=${block.limit} aria-label="block limit"
            onInput=${(e) => change(index, "limit", Number(e.target.value))} />
          <textarea rows="2" placeholder="value" aria-label="block value" value=${block.value}
            onInput=${(e) => change(index, "value", e.target.value)} />
          <button type="button" class="link danger"
            onClick=${() => onChange(blocks.filter((_, i) => i !== index))}>Remove</button>
        </div>`)}
      <button type="button" class="link"
        onClick=${() => onChange([...blocks, { label: "", value: "", limit: 5000 }])}>
        + Add block</button>
    </div>`;
}

function CreateAgent({ onCreated }) {
  const [name, setName] = useState("");
  const [model, setModel] = useState("");
  const [embedding, setEmbedding] = useState("");
  const [tags, setTags] = useState("");
  const [blocks, setBlocks] = useState(STARTER_BLOCKS);
  const [problem, setProblem] = useState(null);

  const submit = async (event) => {
    event.preventDefault();
    setProblem(null);
    try {
      const agent = await api("POST", "/v1/agents/", {
        name: name || undefined,
        model,
        embedding: embedding || undefined,
        tags: splitTags(tags),
        memory_blocks: blocks.filter((block) => block.label),
      });
      onCreated(agent);
    } catch (error) {
      setProblem(error.message);
    }
  };
  return html`
    <form class="card create-agent" onSubmit=${submit} data-testid="create-agent">
      <h2>New agent</h2>
      <label>Name <input name="name" value=${name} onInput=${(e) => setName(e.target.value)} /></label>
      <label>Model <${ModelPicker} value=${model} onChange=${setModel} /></label>
      <label>Embedding
        <${ModelPicker} kind="embedding" name="embedding" value=${embedding} onChange=${setEmbedding} />
      </label>
      <label>Tags <input name="tags" placeholder="comma, separated" value=${tags}
        onInput=${(e) => setTags(e.target.value)} /></label>
      <fieldset><legend>Memory blocks</legend>
        <${BlockRows} blocks=${blocks} onChange=${setBlocks} />
      </fieldset>
      ${problem && html`<p class="error" role="alert">${problem}</p>`}
      <button type="submit">Create agent</button>
    </form>`;
}

export function AgentList() {
  const [agents, setAgents] = useState(null);
  const [search, setSearch] = useState("");
  const [tag, setTag] = useState("");
  const [problem, setProblem] = useState(null);

  const apply = useRef(newestOnly()).current;
  const load = () =>
    apply(
      get(`/v1/agents/${query({ query_text: search, tags: splitTags(tag), limit: 100 })}`),
      setAgents,
      (error) => setProblem(error.message),
    );
  useEffect(() => { load(); }, [search, tag]);

  const remove = async (agent) => {
    if (!confirm(`Delete agent ${agent.name}? Its memory and messages go with it.`)) return;
    await api("DELETE", `/v1/agents/${agent.id}`);
    load();
  };
  const open = (agent) => { location.hash = `#/agents/${agent.id}/chat`; };

  return html`
    <div class="agents-page">
      <section class="card agent-list" data-testid="agent-list">
        <h2>Agents</h2>
        <div class="filters">
          <input type="search" placeholder="Search by name" aria-label="search agents"
            value=${search} onInput=${(e) => setSearch(e.target.value)} />
          <input placeholder="Tags" aria-label="filter by tags" value=${tag}
            onInput=${(e) => setTag(e.target.value)} />
        </div>
        ${problem && html`<p class="error">${problem}</p>`}
        ${agents && agents.length === 0 && html`<p class="muted">No agents yet: create one.</p>`}
        <ul class="rows">
          ${(agents || []).map((agent) => html`
            <li class="agent-row">
              <a href=${`#/agents/${agent.id}/chat`} class="agent-name">${agent.name}</a>
              <span class="muted">${agent.model}</span>
              <span class="tags">${(agent.tags || []).map((t) => html`<span class="tag">${t}</span>`)}</span>
              <button class="link danger" onClick=${() => remove(agent)}>Delete</button>
            </li>`)}
        </ul>
      </section>
      <${CreateAgent} onCreated=${open} />
    </div>`;
}
