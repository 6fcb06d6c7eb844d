// The offline page: renders prepared rounds, checkpoints and the send queue from the phone's own storage.
// The service worker answers any app page with this shell when there is no network, so the URL says what to show.
import { decide } from "./validate.js";
import { shrink } from "./photo.js";
import * as store from "./store.js";
import { keepSyncing, onChange, summary, sync } from "./sync.js";

const t = JSON.parse(document.getElementById("offline-strings").textContent);
const main = document.querySelector("[data-offline-shell]");
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_m, k) => String(values[k] ?? ""));

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const link = (href, text, cls = "button") => h("a", { class: cls, href }, text);
const roundHref = (logId) => `/patrol/offline#log/${logId}`;
const stopHref = (logId, cpId) => `/patrol/offline#log/${logId}/cp/${cpId}`;

function banner() {
  return h("p", { class: navigator.onLine ? "flash" : "flash flash-error", id: "offline-banner" },
    navigator.onLine ? t.online : t.offline);
}

function render(...nodes) {
  main.replaceChildren(banner(), h("div", { id: "sync-line" }), ...nodes.flat().filter((n) => n != null && n !== false));
  updateSyncLine();
}

async function updateSyncLine() {
  const line = document.getElementById("sync-line");
  if (!line) return;
  const s = await summary();
  const parts = [];
  if (s.waiting) parts.push(fill(t.waiting, { count: s.waiting }));
  if (s.failed) parts.push(fill(t.failed, { count: s.failed }));
  parts.push(s.lastSync ? fill(t.last_sync, { time: new Date(s.lastSync).toLocaleTimeString() }) : t.never_synced);
  line.replaceChildren(h("a", { class: s.failed ? "sync-pill sync-failed" : "sync-pill", href: "/patrol/offline#queue" }, parts.join(" · ")));
  if (s.needsLogin) line.append(h("p", { class: "flash flash-error" }, t.sign_in_again));
}

// ---- progress of a round, as the server's submission.progress computes it ----

async function stopState(p, stop) {
  const vUuid = await store.visitUuid(p, stop);
  const skip = await store.skipOf(p, stop);
  const answers = vUuid ? await store.answersOf(vUuid, stop) : {};
  const answered = stop.items.filter((i) => answers[i.id]).length;
  const needsPhoto = stop.items.some((i) => i.photo_on_fail && answers[i.id] && answers[i.id].result === "fail" && !answers[i.id].photos);
  return { vUuid, skip, answers, answered, total: stop.items.length, needsPhoto };
}

async function roundProgress(p) {
  const rows = [];
  const missing = [];
  for (const stop of p.stops) {
    const state = await stopState(p, stop);
    rows.push([stop, state]);
    if (!state.vUuid && !state.skip) missing.push(fill(t.not_visited, { checkpoint: stop.name }));
    else if (state.vUuid && state.answered < state.total) missing.push(fill(t.not_answered, { checkpoint: stop.name, left: state.total - state.answered }));
    if (state.needsPhoto) missing.push(`${stop.name}: ${t.need_photo}`);
  }
  const done = rows.filter(([, s]) => s.skip || (s.vUuid && s.answered === s.total)).length;
  return { rows, missing, done };
}

async function closed(p) {
  const local = await store.logState(p);
  return p.log.status !== "in_progress" || Boolean(local.submitUuid);
}

// ---- pages ----

async function homePage() {
  const packs = await store.packs();
  const list = packs.length
    ? h("ul", { class: "cards" }, packs.map((p) => h("li", { class: "card" },
      h("strong", {}, p.log.round_name), " ", h("span", { class: "muted" }, p.log.number), " ",
      link(roundHref(p.log.id), t.back_to_round, "button secondary"))))
    : h("p", { class: "empty" }, t.no_packs);
  const known = ["/patrol/offline", "/patrol/", "/patrol", "/"].includes(location.pathname);
  const onlinePage = known ? null : h("p", { class: "muted" }, t.not_here);
  render(h("h1", {}, t.prepared), onlinePage, list);
}

async function roundPage(logId) {
  const p = await store.pack(logId);
  if (!p) return homePage();
  const progress = await roundProgress(p);
  const isClosed = await closed(p);
  const stops = h("ol", { class: "stops" }, progress.rows.map(([stop, s]) => {
    const done = s.skip || (s.vUuid && s.answered === s.total);
    let body;
    if (s.skip) body = h("p", { class: "muted" }, `${t.skipped}: ${s.skip.reason}`);
    else if (s.vUuid) body = [h("p", { class: "muted" }, fill(t.items_answered, { answered: s.answered, total: s.total })),
      link(stopHref(p.log.id, stop.checkpoint_id), t.continue, done ? "button secondary" : "button")];
    else if (!isClosed) body = skipForm(p, stop);
    return h("li", { class: done ? "card stop is-done" : "card stop", "data-checkpoint": stop.code },
      h("div", { class: "row" }, h("strong", {}, `${stop.position}. ${stop.name}`), h("span", { class: "muted" }, stop.code)), body);
  }));
  render(
    h("div", { class: "row" }, h("h1", {}, p.log.round_name), h("span", { class: "badge badge-in_progress" }, p.log.number)),
    h("p", { class: "muted" }, fill(t.checkpoints_done, { done: progress.done, total: p.stops.length })),
    isClosed ? h("p", { class: "flash flash-success" }, t.submitted_offline) : null,
    stops,
    isClosed ? null : manualForm(p),
    await submitSection(p, progress, isClosed),
  );
}

function skipForm(p, stop) {
  const id = `skip-${stop.checkpoint_id}`;
  return h("details", { class: "skip" }, h("summary", {}, t.cannot_get_there),
    h("form", { onsubmit: async (event) => {
      event.preventDefault();
      const reason = event.target.reason.value.trim();
      if (!reason) return;
      await store.skip(p, stop, reason);
      await roundPage(p.log.id);
      sync(t);
    } },
    h("label", { for: id }, t.skip_reason), h("input", { id, name: "reason", maxlength: 255, required: true }),
    h("button", { type: "submit", class: "button secondary" }, t.skip)));
}

function manualForm(p) {
  const error = h("p", { class: "field-error", hidden: true });
  return h("section", { class: "card", id: "manual" }, h("h2", {}, t.manual_title),
    h("form", { onsubmit: async (event) => {
      event.preventDefault();
      const form = event.target;
      const stop = store.findByCode(p, form.code.value);
      if (!stop) {
        error.textContent = t.unknown_code;
        error.hidden = false;
        return;
      }
      await store.openVisit(p, stop, "manual", form.reason.value.trim());
      location.hash = `log/${p.log.id}/cp/${stop.checkpoint_id}`;
    } },
    h("label", { for: "code" }, t.manual_code), h("input", { id: "code", name: "code", autocapitalize: "characters", autocomplete: "off", maxlength: 32, required: true }),
    h("label", { for: "reason" }, t.manual_reason), h("input", { id: "reason", name: "reason", maxlength: 255, required: true }),
    error, h("button", { type: "submit", class: "button secondary" }, t.open_checkpoint)));
}

async function submitSection(p, progress, isClosed) {
  if (isClosed) return witnessSection(p);
  return h("section", { class: "card" },
    progress.missing.length ? [h("h2", {}, t.before_submit), h("ul", { class: "missing" }, progress.missing.slice(0, 8).map((m) => h("li", {}, m)))] : null,
    h("button", { type: "button", class: "button wide", id: "offline-submit", disabled: progress.missing.length > 0, onclick: async () => {
      await store.submit(p);
      await roundPage(p.log.id);
      sync(t);
    } }, t.submit));
}

async function witnessSection(p) {
  const local = await store.logState(p);
  const ops = await store.queue();
  const cosign = ops.find((o) => o.uuid === local.cosignUuid);
  if (!local.submitUuid) return null;
  if (cosign && cosign.status !== "failed" && cosign.status !== "blocked") {
    return h("p", { class: "flash flash-success" }, t.witness_kept);
  }
  return h("form", { class: "card", autocomplete: "off", onsubmit: async (event) => {
    event.preventDefault();
    const form = event.target;
    await store.cosign(p, form.username.value.trim().toLowerCase(), form.password.value);
    await roundPage(p.log.id);
    sync(t);
  } },
  h("h2", {}, t.witness_title), cosign ? h("p", { class: "field-error" }, cosign.error) : null,
  h("p", { class: "muted" }, t.witness_hint),
  h("label", { for: "w-username" }, t.witness_user), h("input", { id: "w-username", name: "username", autocapitalize: "none", required: true }),
  h("label", { for: "w-password" }, t.witness_password), h("input", { id: "w-password", name: "password", type: "password", required: true }),
  h("button", { type: "submit", class: "button wide" }, t.witness_sign));
}

async function checkpointPage(p, stop) {
  const state = await stopState(p, stop);
  const isClosed = await closed(p);
  const items = h("ul", { class: "items" }, stop.items.map((item) => itemCard(p, stop, state, item, isClosed)));
  render(
    h("div", { class: "row" }, h("h1", {}, stop.name), h("span", { class: "muted" }, stop.code)),
    h("p", { class: "muted" }, `${p.log.number} · ${fill(t.items_answered, { answered: state.answered, total: state.total })}`),
    isClosed ? h("p", { class: "flash flash-error" }, t.log_closed) : null,
    items,
    link(roundHref(p.log.id), t.back_to_round, "button secondary wide"),
  );
}

function choice(name, value, text, checked) {
  return h("label", { class: `choice choice-${value}` },
    h("input", { type: "radio", name, value, checked: checked || false }), h("span", {}, text));
}

function itemCard(p, stop, state, item, isClosed) {
  const answer = state.answers[item.id];
  const id = (f) => `${f}-${item.id}`;
  const error = h("p", { class: "field-error", hidden: true });
  const summaryLine = answer ? h("div", { class: "answer-summary" },
    h("span", { class: `badge badge-${answer.result}` }, t[answer.result]),
    answer.number != null ? h("span", { class: "value" }, `${answer.number} ${item.unit || ""}`) : null,
    answer.text ? h("span", { class: "value" }, answer.text) : null,
    answer.local ? h("span", { class: "muted" }, t.saved) : null,
    answer.photos ? h("span", { class: "muted" }, fill(t.photo_count, { count: answer.photos })) : null,
    answer.note ? h("p", { class: "note" }, answer.note) : null) : null;
  if (isClosed) return h("li", { class: "item card", id: `item-${item.id}` }, h("p", {}, item.text), summaryLine);
  const form = h("form", { class: "item-form", "data-quick-pass": item.answer_type === "pass_fail" ? "" : null,
    onsubmit: (event) => {
      event.preventDefault();
      saveItem(p, stop, state, item, form, error);
    } },
  item.answer_type === "number" ? [h("label", { for: id("number") }, `${t.reading} (${item.unit || ""})`),
    h("input", { id: id("number"), name: "number", inputmode: "decimal", autocomplete: "off", value: answer && answer.number != null ? answer.number : "" })] : null,
  item.answer_type === "text" ? [h("label", { for: id("text") }, t.answer),
    h("textarea", { id: id("text"), name: "text", rows: 3, maxlength: 4000 }, answer && answer.text ? answer.text : "")] : null,
  h("fieldset", { class: item.answer_type === "pass_fail" ? "choices three" : "choices two" },
    item.answer_type === "pass_fail" ? choice("result", "pass", t.pass, answer && answer.result === "pass") : null,
    choice("result", "fail", t.fail, answer && answer.result === "fail"),
    choice("result", "na", t.na, answer && answer.result === "na")),
  h("div", { class: "when-fail" },
    h("label", { for: id("note") }, t.what_wrong),
    h("textarea", { id: id("note"), name: "note", rows: 2, maxlength: 2000 }, answer && answer.note ? answer.note : ""),
    h("label", { for: id("photos") }, item.photo_on_fail ? `${t.photos} · ${t.photo_needed}` : t.photos),
    h("input", { id: id("photos"), type: "file", name: "photos", accept: "image/*", capture: "environment", multiple: true })),
  h("div", { class: "when-na" },
    h("label", { for: id("na") }, t.why_na),
    h("input", { id: id("na"), name: "na_reason", maxlength: 255, value: answer && answer.na_reason ? answer.na_reason : "" })),
  error,
  h("button", { type: "submit", class: "button wide save" }, t.save));
  form.addEventListener("change", (event) => {
    if (event.target.name === "result" && event.target.value === "pass" && form.hasAttribute("data-quick-pass")) form.requestSubmit();
  });
  return h("li", { class: "item card", id: `item-${item.id}` }, h("p", {}, item.text), summaryLine, form);
}

async function saveItem(p, stop, state, item, form, error) {
  const files = [...form.photos.files];
  const existing = state.answers[item.id] ? state.answers[item.id].photos : 0;
  const data = Object.fromEntries(new FormData(form).entries());
  const decision = decide(item, data, existing + files.length, t);
  if (decision.error) {
    error.textContent = decision.error;
    error.hidden = false;
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const vUuid = state.vUuid;
    const answerUuid = await store.saveAnswer(p, stop, vUuid, item, decision.answer);
    for (const file of files) await store.addPhoto(p, stop, vUuid, item, answerUuid, await shrink(file));
    await checkpointPage(p, stop);
    document.getElementById(`item-${item.id}`)?.scrollIntoView({ block: "center" });
    sync(t);
  } catch {
    error.textContent = t.storage_low;
    error.hidden = false;
    button.disabled = false;
  }
}

async function queuePage() {
  const ops = (await store.queue()).filter((o) => o.status !== "done").sort((a, b) => a.seq - b.seq);
  const list = ops.length ? h("ul", { class: "cards" }, ops.map((o) => h("li", { class: `card queue-item queue-${o.status}` },
    h("div", { class: "row" }, h("strong", {}, t[`kind_${o.kind}`] || o.kind), h("span", { class: "muted" }, o.label || "")),
    o.error ? h("p", { class: o.status === "pending" ? "muted" : "field-error" }, o.error) : null,
    o.status === "failed" || o.status === "blocked" ? h("div", { class: "row" },
      h("button", { type: "button", class: "button secondary", onclick: async () => { await store.retry(o.seq); await sync(t); queuePage(); } }, t.retry),
      h("button", { type: "button", class: "button secondary", onclick: async () => {
        if (window.confirm(t.confirm_discard)) { await store.discard(o.seq); queuePage(); }
      } }, t.discard)) : null)))
    : h("p", { class: "empty" }, t.all_sent);
  render(h("h1", { id: "queue" }, t.queue),
    h("button", { type: "button", class: "button wide", onclick: async () => { await sync(t); queuePage(); } }, t.sync_now), list);
}

// ---- routing: the path the phone asked for, then the hash inside the shell ----

async function route() {
  const hash = location.hash.replace(/^#/, "");
  let match;
  if (hash === "queue") return queuePage();
  if ((match = hash.match(/^log\/(\d+)\/cp\/(\d+)$/))) {
    const p = await store.pack(match[1]);
    const stop = p && p.stops.find((s) => s.checkpoint_id === Number(match[2]));
    return stop ? checkpointPage(p, stop) : homePage();
  }
  if ((match = hash.match(/^log\/(\d+)$/))) return roundPage(match[1]);
  const path = location.pathname;
  if ((match = path.match(/^\/c\/([^/]+)\/?$/))) {
    const found = await store.findByToken(decodeURIComponent(match[1]));
    if (!found) return render(h("p", { class: "flash flash-error" }, t.unknown_label), link("/patrol/offline", t.prepared, "button secondary wide"));
    if (!(await closed(found.pack))) {
      const via = new URLSearchParams(location.search).get("via") === "scanner" ? "qr" : "link";
      await store.openVisit(found.pack, found.stop, via);
    }
    history.replaceState(null, "", stopHref(found.pack.log.id, found.stop.checkpoint_id));
    return checkpointPage(found.pack, found.stop);
  }
  if ((match = path.match(/^\/patrol\/visits\/(\d+)/))) {
    const found = await store.findByVisitId(match[1]);
    if (found) return checkpointPage(found.pack, found.stop);
  }
  if ((match = path.match(/^\/patrol\/logs\/(\d+)\/?$/))) return roundPage(match[1]);
  return homePage();
}

window.addEventListener("hashchange", route);
window.addEventListener("online", () => updateSyncLine());
window.addEventListener("offline", () => route());
onChange(updateSyncLine);
if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
route();
keepSyncing(t);
