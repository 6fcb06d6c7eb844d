// The service worker: keeps the app shell (styles, scripts, icons, the offline page) on the phone, so pages still open
// in a basement with no signal. Served at /sw.js, which fills in the line below; this file is never run as it is.
// version: hash of the shell; offline: the offline page; precache: every shell URL; fallback: HTML for the worst case.
const SHELL = {"version": "source", "offline": "/patrol/offline", "precache": [], "fallback": ""};

const PREFIX = "patrol-";
const SHELL_CACHE = `${PREFIX}shell-${SHELL.version}`;
const DATA_CACHE = `${PREFIX}data-v1`; // the offline page's round data: it outlives shell versions
const MAX_URLS_PER_MESSAGE = 500;
const PARALLEL_FETCHES = 6;

const fresh = (url) => new Request(url, { cache: "reload", credentials: "same-origin" });

async function precache() {
  const cache = await caches.open(SHELL_CACHE);
  // The offline page on its own: a server without it (yet) still gets a working shell. The rest all or nothing, so a
  // broken shell never replaces a working one (the old worker keeps serving and the browser tries again later).
  const offline = cache.add(fresh(SHELL.offline)).catch((error) => console.warn("service worker: no offline page", error));
  await cache.addAll(SHELL.precache.filter((url) => url !== SHELL.offline).map(fresh));
  await offline;
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    const stale = names.filter((name) => name.startsWith(PREFIX) && name !== SHELL_CACHE && name !== DATA_CACHE);
    await Promise.all(stale.map((name) => caches.delete(name)));
    // The page request starts while the worker wakes up, instead of after.
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();
  })());
});

async function cacheFirst(event) {
  const cache = await caches.open(SHELL_CACHE);
  // Pages ask for /static/x?v=<hash>; the shell keeps /static/x of this very shell version, so the query can be ignored.
  const cached = await cache.match(event.request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(event.request);
  if (response.ok && response.type === "basic") event.waitUntil(cache.put(event.request, response.clone()));
  return response;
}

async function keptPage(url) {
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX)) continue;
    const hit = await (await caches.open(name)).match(url, { ignoreVary: true });
    if (hit) return hit;
  }
  return undefined;
}

async function navigate(event) {
  try {
    return (await event.preloadResponse) || (await fetch(event.request));
  } catch {
    // Offline: the page as kept for this very URL, else the offline page (it reads location.pathname), else a notice.
    return (await keptPage(event.request.url)) || (await keptPage(new URL(SHELL.offline, self.location.origin).href))
      || new Response(SHELL.fallback, { headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } });
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return; // the network's answer, or its failure
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
  } else if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(event));
  }
});

// A page asks for more pages to be kept for offline use: {type: "cache-urls", urls: [...]} → {type: "cached", count}.
function sameOriginUrls(urls) {
  const wanted = new Set();
  for (const raw of Array.isArray(urls) ? urls : []) {
    if (typeof raw !== "string") continue;
    try {
      const url = new URL(raw, self.location.origin);
      if (url.origin === self.location.origin) wanted.add(url.href);
    } catch {
      // not a URL: ignored, like one of another origin
    }
  }
  return [...wanted].slice(0, MAX_URLS_PER_MESSAGE);
}

async function keep(cache, url) {
  const response = await fetch(fresh(url));
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  // A followed redirect marks the response, and browsers refuse a marked response for a navigation: copy it unmarked.
  const clean = response.redirected
    ? new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers: response.headers })
    : response;
  await cache.put(url, clean);
}

async function cacheUrls(urls) {
  const cache = await caches.open(DATA_CACHE);
  const wanted = sameOriginUrls(urls);
  let count = 0;
  for (let start = 0; start < wanted.length; start += PARALLEL_FETCHES) { // a few at a time: weak signal, busy server
    const results = await Promise.allSettled(wanted.slice(start, start + PARALLEL_FETCHES).map((url) => keep(cache, url)));
    count += results.filter((result) => result.status === "fulfilled").length;
  }
  return { type: "cached", count, failed: wanted.length - count };
}

self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "cache-urls") return;
  event.waitUntil(cacheUrls(event.data.urls).then((reply) => {
    if (event.ports && event.ports[0]) event.ports[0].postMessage(reply);
    else if (event.source) event.source.postMessage(reply);
  }));
});
