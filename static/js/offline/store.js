// What the phone records while walking a prepared round, and the queue of records waiting for the server.
import { all, byIndex, get, put, remove, tx } from "./idb.js";

export const uuid = () => crypto.randomUUID();
const nowIso = () => new Date().toISOString();

export async function savePack(pack) {
  await put("packs", { id: pack.log.id, pack, savedAt: nowIso() });
}

export async function packs() {
  return (await all("packs")).map((row) => row.pack);
}

export async function pack(logId) {
  const row = await get("packs", Number(logId));
  return row ? row.pack : null;
}

// The stop whose label carries this token, in any prepared round still open on this phone.
export async function findByToken(token) {
  for (const p of await packs()) {
    const stop = p.stops.find((s) => (s.tokens || []).includes(token));
    if (stop) return { pack: p, stop };
  }
  return null;
}

export function findByCode(p, code) {
  const wanted = String(code || "").trim().toUpperCase();
  return p.stops.find((s) => String(s.code).toUpperCase() === wanted) || null;
}

export async function findByVisitId(visitId) {
  for (const p of await packs()) {
    const stop = p.stops.find((s) => s.visit && s.visit.id === Number(visitId));
    if (stop) return { pack: p, stop };
  }
  return null;
}

// ---- local state merged over what the server had when the round was prepared ----

export async function localVisit(logId, checkpointId) {
  return (await byIndex("visits", "log", logId)).find((v) => v.checkpoint_id === checkpointId) || null;
}

export async function visitUuid(p, stop) {
  if (stop.visit) return stop.visit.uuid;
  const local = await localVisit(p.log.id, stop.checkpoint_id);
  return local ? local.uuid : null;
}

export async function answersOf(vUuid, stop) {
  const merged = {};
  for (const a of (stop.visit && stop.visit.answers) || []) merged[a.item_id] = { ...a, photos: a.photos || 0, local: false };
  if (vUuid) {
    for (const a of await byIndex("answers", "visit", vUuid)) {
      const server = merged[a.item_id];
      merged[a.item_id] = { ...a, photos: (server ? server.photos : 0) + (await photoCount(a.key)), local: true };
    }
  }
  return merged;
}

export async function photoCount(answerKey) {
  return (await byIndex("photos", "answer", answerKey)).length;
}

export async function skipOf(p, stop) {
  if (stop.skip) return stop.skip;
  return (await get("skips", `${p.log.id}:${stop.checkpoint_id}`)) || null;
}

export async function logState(p) {
  const meta = await get("meta", `log:${p.log.id}`);
  return meta ? meta.value : {};
}

async function setLogState(logId, value) {
  const current = (await get("meta", `log:${logId}`)) || { key: `log:${logId}`, value: {} };
  current.value = { ...current.value, ...value };
  await put("meta", current);
}

// ---- captures: each one is stored and queued in the same transaction, so neither exists without the other ----

function op(kind, body, extra) {
  return { kind, uuid: body.uuid, body, status: "pending", attempts: 0, nextTry: 0, error: null, createdAt: nowIso(), ...extra };
}

export async function openVisit(p, stop, method, manualReason) {
  const existing = await visitUuid(p, stop);
  if (existing) return existing;
  const visit = {
    uuid: uuid(), log_id: p.log.id, checkpoint_id: stop.checkpoint_id, method,
    manual_reason: manualReason || null, scanned_at: nowIso(),
    template_version_id: stop.template_version_id, // the checklist the phone showed: the server refuses a changed one
  };
  await tx(["visits", "queue"], "readwrite", (s) => {
    s.visits.put(visit);
    s.queue.put(op("visit", visit, { logId: p.log.id, label: stop.name, deps: [] }));
  });
  return visit.uuid;
}

async function pendingOp(queue, done, kind, key) {
  const ops = await done(queue.getAll());
  return ops.find((o) => o.kind === kind && o.key === key && o.status === "pending") || null;
}

export async function saveAnswer(p, stop, vUuid, item, answer) {
  const key = `${vUuid}:${item.id}`;
  return tx(["answers", "queue"], "readwrite", async (s, done) => {
    const body = { visit_uuid: vUuid, item_id: item.id, ...answer, answered_at: nowIso() };
    const waiting = await pendingOp(s.queue, done, "answer", key);
    if (waiting) {
      // Not sent yet: the server has never seen this uuid, so the queued record simply takes the new answer.
      waiting.body = { ...body, uuid: waiting.uuid };
      s.queue.put(waiting);
      s.answers.put({ key, uuid: waiting.uuid, ...waiting.body });
      return waiting.uuid;
    }
    const record = { ...body, uuid: uuid() };
    s.answers.put({ key, ...record });
    s.queue.put(op("answer", record, { key, logId: p.log.id, label: `${stop.name} · ${item.text}`, deps: [vUuid] }));
    return record.uuid;
  });
}

export async function addPhoto(p, stop, vUuid, item, answerUuid, blob) {
  const record = { uuid: uuid(), answer_uuid: answerUuid };
  await tx(["photos", "queue"], "readwrite", (s) => {
    s.photos.put({ ...record, answer_key: `${vUuid}:${item.id}`, blob, size: blob.size });
    s.queue.put(op("photo", record, { logId: p.log.id, label: `${stop.name} · ${item.text}`, deps: [answerUuid] }));
  });
}

export async function skip(p, stop, reason) {
  const record = { uuid: uuid(), log_id: p.log.id, checkpoint_id: stop.checkpoint_id, reason };
  await tx(["skips", "queue"], "readwrite", (s) => {
    s.skips.put({ key: `${p.log.id}:${stop.checkpoint_id}`, ...record });
    s.queue.put(op("skip", record, { logId: p.log.id, label: stop.name, deps: [] }));
  });
}

export async function submit(p) {
  const record = { uuid: uuid(), log_id: p.log.id };
  const earlier = (await all("queue")).filter((o) => o.logId === p.log.id && o.status !== "done").map((o) => o.uuid);
  await tx(["queue"], "readwrite", (s) => {
    s.queue.put(op("submit", record, { logId: p.log.id, label: p.log.number, deps: earlier }));
  });
  await setLogState(p.log.id, { submitUuid: record.uuid, submittedAt: nowIso() });
}

export async function cosign(p, username, password) {
  const state = await logState(p);
  const record = { uuid: uuid(), log_id: p.log.id, username, password };
  await tx(["queue"], "readwrite", (s) => {
    s.queue.put(op("cosign", record, { logId: p.log.id, label: p.log.number, deps: state.submitUuid ? [state.submitUuid] : [] }));
  });
  await setLogState(p.log.id, { cosignUuid: record.uuid });
}

// ---- the queue as the indicator and the queue page show it ----

export async function queue() {
  return all("queue");
}

export async function discard(seq) {
  const item = await get("queue", seq);
  if (!item) return;
  await tx(["queue", "photos"], "readwrite", (s) => {
    s.queue.delete(seq);
    if (item.kind === "photo") s.photos.delete(item.uuid);
  });
}

export async function retry(seq) {
  const item = await get("queue", seq);
  if (!item) return;
  item.status = "pending";
  item.error = null;
  item.nextTry = 0;
  await put("queue", item);
}

export async function meta(key) {
  const row = await get("meta", key);
  return row ? row.value : null;
}

export async function setMeta(key, value) {
  await put("meta", { key, value });
}

export { remove };
