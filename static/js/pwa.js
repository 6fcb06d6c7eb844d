// Makes the site an installable app that opens offline: registers the service worker (/sw.js) and asks the browser
// to keep what the offline pages store even when the phone runs short of space.

function registerWorker() {
  navigator.serviceWorker.register("/sw.js", { scope: "/" })
    .catch((error) => console.warn("service worker not registered:", error));
}

if ("serviceWorker" in navigator) {
  // After the page has loaded, so installing the shell does not compete with the page's own requests.
  if (document.readyState === "complete") registerWorker();
  else window.addEventListener("load", registerWorker, { once: true });
}

if (navigator.storage && navigator.storage.persist) {
  navigator.storage.persisted().then((kept) => kept || navigator.storage.persist()).catch(() => {});
}

// A boosted link is a request htmx makes, and offline it fails without a word: navigate for real instead, so the
// service worker answers with the page it kept or the offline page.
document.addEventListener("htmx:sendError", (event) => {
  const { boosted, requestConfig, pathInfo } = event.detail;
  if (boosted && requestConfig && requestConfig.verb === "get" && pathInfo) window.location.assign(pathInfo.finalRequestPath);
});
