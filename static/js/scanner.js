// The in-app QR scanner: a [data-scan] button opens the camera full screen and, on a checkpoint label,
// goes to /c/<token>?via=scanner (the visit then records "qr"). The installed app cannot hand off to the
// phone's camera app, so this is how it scans. Words come from the button's data-* attributes (no gettext here).

const FRAME_EVERY_MS = 100;
const DECODE_WIDTH = 640; // jsQR's cost grows with pixels; a label fills the frame well before this
const TOKEN = /^[A-Za-z0-9_-]+$/;

let jsQRLoading = null;
let open = null; // the scanner on screen, if any

function loadJsQR(src) {
  // A classic script from our own origin (CSP script-src 'self'); it defines window.jsQR.
  jsQRLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR missing")));
    script.onerror = () => {
      jsQRLoading = null;
      reject(new Error("jsQR did not load"));
    };
    document.head.append(script);
  });
  return jsQRLoading;
}

async function nativeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    return formats.includes("qr_code") ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  } catch {
    return null;
  }
}

// The decoder: a function from the playing video to the QR text, or null.
async function makeDecoder(decoderSrc) {
  const detector = await nativeDetector();
  if (detector) {
    const decode = async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
    return Object.assign(decode, { kind: "native" });
  }
  const jsQR = await loadJsQR(decoderSrc);
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const decode = async (video) => {
    const scale = Math.min(1, DECODE_WIDTH / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const frame = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "dontInvert" })?.data ?? null;
  };
  return Object.assign(decode, { kind: "jsqr" });
}

// The local address a scanned text leads to, when it is one of our labels: printed with the label
// base URL (BASE_URL) or opened on this origin. Anything else is null.
function checkpointPath(text, button) {
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  const [before, after] = button.dataset.scanPath.split("TOKEN");
  const prefixes = [new URL(before, location.href).href];
  try {
    const base = new URL(button.dataset.labelBase);
    prefixes.push(base.origin + base.pathname.replace(/\/$/, "") + "/c/");
  } catch {
    // no usable label base: only this origin's labels count
  }
  const address = url.origin + url.pathname;
  for (const prefix of prefixes) {
    if (!address.startsWith(prefix)) continue;
    const token = address.slice(prefix.length);
    if (TOKEN.test(token)) return `${before}${token}${after}?via=scanner`;
  }
  return null;
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text) el.textContent = text;
  return el;
}

class Scanner {
  constructor(button) {
    this.button = button;
    this.words = button.dataset;
    this.stream = null;
    this.timer = null;
    this.session = 0; // bumped on every stop, so a late camera or decode result from before is ignored
    this.rejected = null;
    this.build();
  }

  build() {
    const words = this.words;
    this.root = element("div", "scanner");
    this.root.setAttribute("role", "dialog");
    this.root.setAttribute("aria-modal", "true");
    this.root.setAttribute("aria-label", words.title);
    this.video = element("video", "scanner-video");
    this.video.muted = true;
    this.video.playsInline = true; // iOS: stay in the page, not full-screen playback
    this.video.setAttribute("playsinline", "");
    const title = element("p", "scanner-title", words.title);
    const guide = element("div", "scanner-guide");
    guide.setAttribute("aria-hidden", "true");
    this.status = element("p", "scanner-status", words.msgStarting);
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.torch = element("button", "scanner-torch", words.labelTorch);
    this.torch.type = "button";
    this.torch.hidden = true;
    this.torch.setAttribute("aria-pressed", "false");
    this.torch.addEventListener("click", () => this.toggleTorch());
    this.close = element("button", "scanner-close", words.labelClose);
    this.close.type = "button";
    this.close.addEventListener("click", () => this.dismiss());
    const actions = element("div", "scanner-actions");
    actions.append(this.torch, this.close);
    const panel = element("div", "scanner-panel");
    panel.append(this.status);
    if (words.manual) {
      this.manual = element("a", "scanner-manual", words.labelManual);
      this.manual.href = words.manual;
      this.manual.hidden = true;
      this.manual.addEventListener("click", () => this.dismiss(false));
      panel.append(this.manual);
    }
    panel.append(actions);
    this.root.append(this.video, guide, title, panel);
    this.root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.dismiss();
    });
  }

  show() {
    document.body.append(this.root);
    document.documentElement.classList.add("is-scanning");
    this.close.focus();
    this.start();
  }

  say(text, kind = "") {
    this.status.textContent = text;
    this.status.className = `scanner-status ${kind}`.trim();
  }

  async start() {
    const session = ++this.session;
    this.root.classList.remove("is-failed");
    this.say(this.words.msgStarting);
    if (!navigator.mediaDevices?.getUserMedia) {
      this.fail(this.words.msgNoCamera);
      return;
    }
    let stream;
    let decode;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      if (session === this.session) this.fail(error?.name === "NotAllowedError" ? this.words.msgDenied : this.words.msgNoCamera);
      return;
    }
    if (session !== this.session) {
      stream.getTracks().forEach((track) => track.stop()); // closed while the camera was starting
      return;
    }
    this.stream = stream;
    try {
      this.video.srcObject = stream;
      await this.video.play();
      decode = await makeDecoder(this.words.decoder);
    } catch {
      if (session === this.session) this.fail(this.words.msgNoCamera);
      return;
    }
    if (session !== this.session) return;
    this.root.dataset.decoder = decode.kind;
    this.offerTorch(stream.getVideoTracks()[0]);
    this.say(this.words.msgAim);
    this.scan(decode, session);
  }

  offerTorch(track) {
    const capabilities = track?.getCapabilities?.() ?? {};
    this.track = track;
    this.torch.hidden = capabilities.torch !== true;
  }

  async toggleTorch() {
    const on = this.torch.getAttribute("aria-pressed") !== "true";
    try {
      await this.track.applyConstraints({ advanced: [{ torch: on }] });
      this.torch.setAttribute("aria-pressed", String(on));
    } catch {
      this.torch.hidden = true; // the camera said it could, then could not: hide rather than offer a dead button
    }
  }

  scan(decode, session) {
    const tick = async () => {
      if (session !== this.session) return;
      let text = null;
      if (this.video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && this.video.videoWidth) {
        try {
          text = await decode(this.video);
        } catch {
          text = null; // a frame the decoder could not read: try the next one
        }
      }
      if (session !== this.session) return;
      if (text) this.found(text);
      if (session === this.session) this.timer = setTimeout(tick, FRAME_EVERY_MS);
    };
    tick();
  }

  found(text) {
    const path = checkpointPath(text, this.button);
    if (path) {
      this.stop();
      this.say(this.words.msgOpening);
      window.location.assign(path);
      return;
    }
    if (text !== this.rejected) {
      this.rejected = text;
      this.say(this.words.msgNotOurs, "is-error");
    }
  }

  fail(message) {
    this.stop();
    this.root.classList.add("is-failed"); // no picture: the aiming frame would only mislead
    this.say(message, "is-error");
    if (this.manual) this.manual.hidden = false;
  }

  stop() {
    this.session++;
    clearTimeout(this.timer);
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.track = null;
    this.torch.hidden = true;
    this.torch.setAttribute("aria-pressed", "false");
    this.video.srcObject = null;
  }

  dismiss(restoreFocus = true) {
    this.stop();
    this.root.remove();
    document.documentElement.classList.remove("is-scanning");
    if (open === this) open = null;
    if (restoreFocus && this.button.isConnected) this.button.focus();
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest?.("[data-scan]");
  if (!button) return;
  event.preventDefault();
  open?.dismiss(false);
  open = new Scanner(button);
  open.show();
});

// A hidden page keeps no camera: stop on hide, start again if the scanner is still open when it comes back.
document.addEventListener("visibilitychange", () => {
  if (!open) return;
  if (document.hidden) open.stop();
  else open.start();
});
// Leaving the page, also through htmx (boosted links, Back), closes the scanner: a swapped-out overlay would keep the camera on.
for (const [target, name] of [[window, "pagehide"], [window, "popstate"], [document, "htmx:beforeHistorySave"]]) {
  target.addEventListener(name, () => open?.dismiss(false));
}
