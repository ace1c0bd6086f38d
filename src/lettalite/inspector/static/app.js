// The inspector's shell: the API-key gate, the hash router and the header.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, apiKey, get, html, whenUnauthorized } from "./api.js";
import { AgentList } from "./agents.js";
import { AgentView } from "./agent.js";

function useRoute() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  const [, section, id, tab] = hash.replace(/^#/, "").split("/");
  return section === "agents" && id ? { agentId: id, tab: tab || "chat" } : {};
}

function KeyForm({ problem, onKey }) {
  const [key, setKey] = useState("");
  const submit = (event) => {
    event.preventDefault();
    if (key.trim()) onKey(key.trim());
  };
  return html`
    <form class="card key-form" onSubmit=${submit} data-testid="key-form">
      <h2>API key</h2>
      <p>This server needs its API key (<code>LETTALITE_API_KEY</code>). It is kept in this
        browser tab's session storage only.</p>
      ${problem && html`<p class="error" role="alert">${problem}</p>`}
      <input type="password" name="api-key" placeholder="API key" autocomplete="off"
        value=${key} onInput=${(e) => setKey(e.target.value)} />
      <button type="submit">Open inspector</button>
    </form>`;
}

function App() {
  // "checking", "key" (asking for the key), "down" (the server did not answer) or "ready".
  const [gate, setGate] = useState("checking");
  const [problem, setProblem] = useState(null);
  const route = useRoute();

  const check = async () => {
    const hadKey = Boolean(apiKey.get());
    try {
      await get("/v1/agents/?limit=1");
      setGate("ready");
      setProblem(null);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) {
        setProblem(`The inspector could not reach the API: ${error.message}`);
        setGate("down");
        return;
      }
      apiKey.clear();
      setProblem(hadKey ? "That API key is wrong: the server refused it." : null);
      setGate("key");
    }
  };

  useEffect(() => {
    whenUnauthorized(() => {
      apiKey.clear();
      setProblem("The server refused the API key; give it again.");
      setGate("key");
    });
    check();
  }, []);

  const giveKey = (key) => {
    apiKey.set(key);
    check();
  };

  let body;
  if (gate === "checking") body = html`<p class="muted">Connecting…</p>`;
  else if (gate === "key") body = html`<${KeyForm} problem=${problem} onKey=${giveKey} />`;
  else if (gate === "down") {
    body = html`<p class="card error" role="alert">${problem} <button onClick=${check}>Retry</button></p>`;
  }
  else if (route.agentId) body = html`<${AgentView} key=${route.agentId} ...${route} />`;
  else body = html`<${AgentList} />`;

  return html`
    <header class="topbar">
      <a href="#/" class="brand">lettalite <span>inspector</span></a>
      ${gate === "ready" && apiKey.get() &&
        html`<button class="link" onClick=${() => { apiKey.clear(); check(); }}>Forget key</button>`}
    </header>
    <main>${body}</main>`;
}

render(html`<${App} />`, document.getElementById("root"));
