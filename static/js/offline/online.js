// On the normal (online) pages: keep what the offline page needs — the CSRF token and the round being walked —
// show what waits to be sent, send it, and hand navigation to the offline page when the network is gone.
import { savePack, setMeta } from "./store.js";
import { keepSyncing, onChange, retryNow, summary } from "./sync.js";

const indicator = document.getElementById("sync-indicator");
const strings = indicator ? { ...indicator.dataset } : {};
const fill = (text, values) => String(text || "").replace(/\{(\w+)\}/g, (_m, k) => String(values[k] ?? ""));

function csrfFromPage() {
  // A form's token is rendered with the page; the <body> attribute may date from before sign-in (boosted pages keep it).
  const input = document.querySelector("main input[name=csrf_token]");
  if (input && input.value) return input.value;
  try {
    return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  } catch {
    return "";
  }
}

async function prepare(el) {
  el.textContent = el.dataset.preparing;
  el.classList.remove("is-ready");
  try {
    const response = await fetch(`/api/v1/sync/logs/${el.dataset.offlineLog}/pack`, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    const pack = await response.json();
    if (pack.csrf_token) await setMeta("csrf", pack.csrf_token);
    await savePack(pack);
    el.textContent = el.dataset.ready;
    el.classList.add("is-ready");
  } catch {
    el.textContent = el.dataset.failed;
  }
}

async function showIndicator() {
  if (!indicator) return;
  const s = await summary();
  const parts = [];
  if (s.waiting) parts.push(fill(strings.waiting, { count: s.waiting }));
  if (s.failed) parts.push(fill(strings.failed, { count: s.failed }));
  if (s.needsLogin) parts.push(strings.signInAgain);
  indicator.textContent = parts.join(" · ");
  indicator.hidden = parts.length === 0;
  indicator.classList.toggle("sync-failed", Boolean(s.failed || s.needsLogin));
}

// Without a network a boosted link or form cannot reach the server: load the page for real so the service worker
// can answer it with the offline page, instead of a request that silently fails.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (navigator.onLine) return;
  event.preventDefault();
  const path = event.detail.requestConfig && event.detail.requestConfig.verb === "get" ? event.detail.pathInfo.requestPath : location.href;
  location.assign(path);
});

// Pages arrive by full loads and by htmx swaps (boosted links): look at each new piece of page.
function scan(root) {
  if (!root.querySelectorAll) return;
  const found = [...root.querySelectorAll("[data-offline-log]")];
  if (root.matches && root.matches("[data-offline-log]")) found.push(root);
  for (const el of found) {
    if (el.dataset.prepared) continue;
    el.dataset.prepared = "1";
    prepare(el); // at once: starting or opening the round is when the network is known to be there
    if (el.tagName === "BUTTON") el.addEventListener("click", () => prepare(el)); // and again on demand
  }
}

// The token of this session, for the offline page's uploads; kept on every page the server renders.
async function keepToken() {
  if (!document.querySelector(".topbar details.menu")) return; // signed out: the token would not last
  const token = csrfFromPage();
  if (token) await setMeta("csrf", token);
  await setMeta("needsLogin", false);
  await retryNow(); // a fresh token: what waited for one can go now
}

async function start() {
  await keepToken();
  scan(document);
  document.addEventListener("htmx:load", (event) => {
    keepToken();
    scan(event.detail.elt);
  });
  onChange(showIndicator);
  showIndicator();
  if (indicator) keepSyncing({ blocked: strings.blocked, server_error: strings.serverError });
}

if ("indexedDB" in window && window.crypto && crypto.randomUUID) start().catch(() => {});
