// The public REST API as the page uses it: every call sends the API key the person gave.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);

const KEY_ITEM = "lettalite.apiKey";

export const apiKey = {
  get: () => sessionStorage.getItem(KEY_ITEM) || "",
  set: (key) => sessionStorage.setItem(KEY_ITEM, key),
  clear: () => sessionStorage.removeItem(KEY_ITEM),
};

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
  }
}

// Called with every 401, so the page can ask for the key again.
let onUnauthorized = () => {};
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

function headers(body) {
  const result = { Accept: "application/json" };
  const key = apiKey.get();
  if (key) result.Authorization = `Bearer ${key}`;
  if (body !== undefined) result["Content-Type"] = "application/json";
  return result;
}

async function send(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: headers(body),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.ok) return response;
  let detail = response.statusText;
  try {
    detail = (await response.json()).detail ?? detail;
  } catch {
    // Not JSON: the status text says enough.
  }
  if (response.status === 401) onUnauthorized(detail);
  throw new ApiError(response.status, detail);
}

export async function api(method, path, body) {
  const response = await send(method, path, body);
  return response.status === 204 ? null : response.json();
}

export const get = (path) => api("GET", path);

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const item of [].concat(value)) {
      if (item !== undefined && item !== null && item !== "") search.append(name, item);
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// Server-sent events of a POST (EventSource can only GET): calls onEvent(data, eventName)
// with each parsed `data:` payload until `[DONE]` or the end of the body.
export async function postStream(path, body, onEvent) {
  const response = await send("POST", path, body);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  let eventName = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    pending += value;
    const lines = pending.split("\n");
    pending = lines.pop();
    for (const line of lines) {
      if (line.startsWith("event:")) eventName = line.slice(6).trim();
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") return;
      onEvent(JSON.parse(data), eventName);
      eventName = null;
    }
  }
}

// For requests that overlap (a search box sends one per key): applies only the answer to the
// newest one, so an older, slower answer never replaces it.
export function newestOnly() {
  let latest = 0;
  return (promise, onValue, onError) => {
    const mine = ++latest;
    promise.then(
      (value) => mine === latest && onValue(value),
      (error) => mine === latest && onError(error),
    );
  };
}

export const formatTokens = (n) => (n ?? 0).toLocaleString("en");
export const formatMs = (ns) => (ns == null ? "–" : `${Math.round(ns / 1e6).toLocaleString("en")} ms`);
export const formatDate = (iso) => (iso ? new Date(iso).toLocaleString() : "–");
