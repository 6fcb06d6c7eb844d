// The checklist on a phone: one tap saves "pass", out-of-range readings turn to "fail",
// and the phone's position is recorded once per visit when the browser gives it.

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  } catch {
    return "";
  }
}

document.addEventListener("change", (event) => {
  const input = event.target;
  const form = input.closest("form.item-form");
  if (!form || input.name !== "result") return;
  if (input.value === "pass" && form.hasAttribute("data-quick-pass")) form.requestSubmit();
});

document.addEventListener("input", (event) => {
  const input = event.target;
  const form = input.closest("form.item-form");
  if (!form || input.name !== "number") return;
  const value = Number.parseFloat(input.value.replace(",", "."));
  const min = form.dataset.min === undefined ? -Infinity : Number.parseFloat(form.dataset.min);
  const max = form.dataset.max === undefined ? Infinity : Number.parseFloat(form.dataset.max);
  const outside = Number.isFinite(value) && (value < min || value > max);
  const hint = form.querySelector(".range-hint");
  if (hint) hint.hidden = !outside;
  const fail = form.querySelector('input[name="result"][value="fail"]');
  if (fail && outside) fail.checked = true;
});

function locate(root) {
  if (!navigator.geolocation || !root.querySelectorAll) return;
  for (const el of root.querySelectorAll(".locate[data-locate-url]")) {
    if (el.dataset.located) continue;
    el.dataset.located = "pending";
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const body = new URLSearchParams({
          latitude: position.coords.latitude,
          longitude: position.coords.longitude,
          accuracy: position.coords.accuracy,
        });
        fetch(el.dataset.locateUrl, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken() },
        }).catch(() => {});
      },
      () => {},
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  }
}

document.addEventListener("DOMContentLoaded", () => locate(document));
document.addEventListener("htmx:load", (event) => locate(event.target));
