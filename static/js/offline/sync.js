// Sends the queue in order when the network is there. Each record goes on its own, so one large or refused photo
// never holds back the rest; network failures and server errors are retried with backoff; refusals wait for the user.
import { all, get, put, tx } from "./idb.js";
import { meta, setMeta } from "./store.js";

const ENDPOINTS = {
  visit: "/api/v1/sync/visits", answer: "/api/v1/sync/answers", photo: "/api/v1/sync/photos",
  skip: "/api/v1/sync/skips", submit: "/api/v1/sync/submit", cosign: "/api/v1/sync/cosign",
};
const MAX_BACKOFF_MS = 5 * 60 * 1000;
let running = null;
const listeners = new Set();

export function onChange(fn) {
  listeners.add(fn);
}

function changed() {
  for (const fn of listeners) fn();
}

export async function csrfToken() {
  return (await meta("csrf")) || "";
}

async function send(item) {
  const headers = { "X-CSRFToken": await csrfToken(), Accept: "application/json" };
  let body;
  if (item.kind === "photo") {
    const photo = await get("photos", item.uuid);
    if (!photo) return { status: 410, data: { message: "" } };
    body = new FormData();
    body.append("uuid", item.body.uuid);
    body.append("answer_uuid", item.body.answer_uuid);
    body.append("photo", photo.blob, `${item.uuid}.jpg`);
  } else {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(item.body);
  }
  const response = await fetch(ENDPOINTS[item.kind], { method: "POST", headers, body, credentials: "same-origin" });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  return { status: response.status, data };
}

function backoff(attempts) {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempts) * (0.75 + Math.random() / 2);
}

async function settle(item, result, strings) {
  const { status, data } = result;
  if (status === 200 || status === 201) {
    item.status = "done";
    item.error = null;
    item.serverId = data.id ?? null;
    item.sentAt = new Date().toISOString();
    if (item.kind === "cosign") item.body = { ...item.body, password: "" }; // never kept longer than needed
    await tx(["queue", "photos"], "readwrite", (s) => {
      s.queue.put(item);
      if (item.kind === "photo") s.photos.delete(item.uuid); // sent: the phone's copy is no longer needed
    });
    return "done";
  }
  if (status === 401 || data.code === "login_required" || data.code === "csrf_failed") {
    // Not the record's fault: the session or its token is stale. Keep it waiting until an online page refreshes them.
    item.status = "pending";
    item.attempts += 1;
    item.nextTry = Date.now() + backoff(item.attempts);
    await put("queue", item);
    await setMeta("needsLogin", true);
    return "stop";
  }
  // A throttled co-signature is not retried with the kept password: the colleague signs again when allowed.
  if (status >= 500 || status === 408 || (status === 429 && item.kind !== "cosign")) {
    item.attempts += 1;
    item.nextTry = Date.now() + backoff(item.attempts);
    item.error = data.message || strings.server_error;
    item.status = "pending";
    await put("queue", item);
    return "retry";
  }
  // A refusal (conflict, validation, locked log): kept and shown with the server's message until the user acts.
  item.status = "failed";
  item.error = data.message || `HTTP ${status}`;
  item.code = data.code || null;
  if (item.kind === "cosign") item.body = { ...item.body, password: "" };
  await put("queue", item);
  return "failed";
}

async function runOnce(strings) {
  if (!navigator.onLine) return;
  const items = (await all("queue")).sort((a, b) => a.seq - b.seq);
  const byUuid = new Map(items.map((i) => [i.uuid, i]));
  for (const item of items) {
    if (item.status === "sending") item.status = "pending"; // interrupted by a reload: the server's idempotency copes
    if (item.status !== "pending" || item.nextTry > Date.now()) continue;
    const deps = (item.deps || []).map((u) => byUuid.get(u)).filter(Boolean);
    if (deps.some((d) => d.status === "failed" || d.status === "blocked")) {
      item.status = "blocked";
      item.error = strings.blocked;
      await put("queue", item);
      changed();
      continue;
    }
    if (deps.some((d) => d.status !== "done")) continue;
    item.status = "sending"; // from now on its content is frozen: a later edit becomes a new record
    await put("queue", item);
    let result;
    try {
      result = await send(item);
    } catch {
      // No network after all (or it dropped mid-request): try again later; nothing is lost or doubled.
      item.attempts += 1;
      item.nextTry = Date.now() + backoff(item.attempts);
      item.status = "pending";
      await put("queue", item);
      changed();
      return;
    }
    const outcome = await settle(item, result, strings);
    changed();
    if (outcome === "stop") return;
  }
  await setMeta("lastSync", new Date().toISOString());
  await setMeta("needsLogin", false);
  changed();
}

let wake = null;

// After a run, come back when the earliest backed-off record is due again.
async function scheduleWake(strings) {
  clearTimeout(wake);
  const due = (await all("queue")).filter((i) => i.status === "pending").map((i) => i.nextTry || 0);
  if (!due.length || !navigator.onLine) return;
  wake = setTimeout(() => sync(strings).catch(() => {}), Math.max(250, Math.min(...due) - Date.now()));
}

export function sync(strings) {
  if (!running) {
    running = (navigator.locks
      ? navigator.locks.request("patrol-sync", () => runOnce(strings))
      : runOnce(strings)
    ).finally(() => {
      running = null;
      scheduleWake(strings);
    });
  }
  return running;
}

export async function summary() {
  const items = await all("queue");
  return {
    waiting: items.filter((i) => i.status === "pending" || i.status === "sending").length,
    failed: items.filter((i) => i.status === "failed" || i.status === "blocked").length,
    lastSync: await meta("lastSync"),
    needsLogin: await meta("needsLogin"),
  };
}

// Keep trying while something waits: on reconnect, on open, and every half minute.
export async function retryNow() {
  await tx(["queue"], "readwrite", async (s, done) => {
    for (const item of await done(s.queue.getAll())) {
      if (item.status === "pending" && item.nextTry) s.queue.put({ ...item, nextTry: 0 });
    }
  });
}

export function keepSyncing(strings) {
  const go = () => sync(strings).catch(() => {});
  window.addEventListener("online", () => retryNow().then(go)); // back online: no reason to wait out the backoff
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") go();
  });
  setInterval(async () => {
    if ((await summary()).waiting) go();
  }, 30000);
  go();
}
