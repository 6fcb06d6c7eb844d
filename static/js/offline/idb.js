// A small promise wrapper over IndexedDB: the phone's own store for everything captured offline.

const NAME = "patrol-offline";
const VERSION = 1;
let opening = null;

function upgrade(db) {
  db.createObjectStore("packs", { keyPath: "id" }); // one prepared round (log) each
  const visits = db.createObjectStore("visits", { keyPath: "uuid" });
  visits.createIndex("log", "log_id");
  const answers = db.createObjectStore("answers", { keyPath: "key" }); // `${visit_uuid}:${item_id}`
  answers.createIndex("visit", "visit_uuid");
  const photos = db.createObjectStore("photos", { keyPath: "uuid" });
  photos.createIndex("answer", "answer_key");
  const skips = db.createObjectStore("skips", { keyPath: "key" }); // `${log_id}:${checkpoint_id}`
  skips.createIndex("log", "log_id");
  const queue = db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
  queue.createIndex("uuid", "uuid", { unique: true });
  db.createObjectStore("meta", { keyPath: "key" });
}

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => upgrade(request.result);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// Run fn(stores) in one transaction over the named stores; resolves when the transaction commits.
export async function tx(names, mode, fn) {
  const db = await open();
  const transaction = db.transaction(names, mode);
  const committed = new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("aborted"));
  });
  const stores = Object.fromEntries(names.map((name) => [name, transaction.objectStore(name)]));
  const result = await fn(stores, done);
  await committed;
  return result;
}

export const get = (store, key) => tx([store], "readonly", (s) => done(s[store].get(key)));
export const all = (store) => tx([store], "readonly", (s) => done(s[store].getAll()));
export const byIndex = (store, index, value) =>
  tx([store], "readonly", (s) => done(s[store].index(index).getAll(value)));
export const put = (store, value) => tx([store], "readwrite", (s) => done(s[store].put(value)));
export const remove = (store, key) => tx([store], "readwrite", (s) => done(s[store].delete(key)));
