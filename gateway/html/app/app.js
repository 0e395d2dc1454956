// Lifeboard receipt page: upload receipts from a phone, follow them until they are read.
// Plain JS, no build step, no third-party code; talks only to this server's /api/v1.
"use strict";

const TOKEN_KEY = "lifeboard.apiToken";
const POLL_MS = 1500;
const FINAL = new Set(["done", "failed"]);
const SHARE_CACHE = "lifeboard-share-inbox";

const TEXT = {
  en: {
    changeToken: "Change token", tokenTitle: "API token",
    tokenHint: "Paste the API_TOKEN from the server's .env once; it stays on this device.",
    save: "Save", uploadTitle: "Add receipts", pickFiles: "Take a photo or choose files",
    formats: "JPEG, PNG, HEIC, PDF… several at once", receiptsTitle: "Receipts",
    empty: "No receipts yet.", grafana: "Finance board", retry: "Retry",
    wrongToken: "Wrong token: the server refused it. Copy API_TOKEN from the server's .env.",
    noServer: "The Lifeboard server does not answer.",
    uploading: "uploading", pending: "waiting", processing: "reading", done: "done",
    failed: "failed", refused: "refused", needsReview: "check it",
    items: (n) => `${n} ${n === 1 ? "item" : "items"}`,
    duplicate: "Already uploaded before.",
    waitRate: (s) => `Too many uploads at once; continuing in ${s} s…`,
    shared: (n) => `${n} shared ${n === 1 ? "file" : "files"} received.`,
    noShop: "shop not read", noDate: "no date", noTotal: "no total",
    failedCheck: (name) => `check failed: ${name.replaceAll("_", " ")}`,
  },
  pl: {
    changeToken: "Zmień token", tokenTitle: "Token API",
    tokenHint: "Wklej raz API_TOKEN z pliku .env serwera; zostanie na tym urządzeniu.",
    save: "Zapisz", uploadTitle: "Dodaj paragony", pickFiles: "Zrób zdjęcie lub wybierz pliki",
    formats: "JPEG, PNG, HEIC, PDF… kilka naraz", receiptsTitle: "Paragony",
    empty: "Nie ma jeszcze paragonów.", grafana: "Tablica Finanse", retry: "Ponów",
    wrongToken: "Zły token: serwer go odrzucił. Skopiuj API_TOKEN z pliku .env serwera.",
    noServer: "Serwer Lifeboard nie odpowiada.",
    uploading: "wysyłanie", pending: "w kolejce", processing: "odczyt", done: "gotowe",
    failed: "błąd", refused: "odrzucony", needsReview: "do sprawdzenia",
    items: (n) => `pozycje: ${n}`,
    duplicate: "Ten plik był już wysłany.",
    waitRate: (s) => `Za dużo wysyłek naraz; ciąg dalszy za ${s} s…`,
    shared: (n) => `Odebrane udostępnione pliki: ${n}.`,
    noShop: "sklep nieodczytany", noDate: "brak daty", noTotal: "brak sumy",
    failedCheck: (name) => `niespełniony test: ${name.replaceAll("_", " ")}`,
  },
};
const LANG = (navigator.languages || [navigator.language || "en"])
  .map((l) => l.slice(0, 2).toLowerCase()).find((l) => l in TEXT) || "en";
const T = TEXT[LANG];

const $ = (selector, root = document) => root.querySelector(selector);
const entries = new Map(); // receipt id -> <li>
let token = localStorage.getItem(TOKEN_KEY) || "";
let uploadQueue = Promise.resolve();

class HttpError extends Error {
  constructor(status, detail, retryAfter) {
    super(detail);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

function translatePage() {
  document.documentElement.lang = LANG;
  for (const el of document.querySelectorAll("[data-i18n]")) {
    const text = T[el.dataset.i18n];
    if (typeof text === "string") el.textContent = text;
  }
}

function detailOf(body, status) {
  if (body && typeof body.detail === "string") return body.detail;
  if (body && Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join("; ");
  return `HTTP ${status}`;
}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method, body, cache: "no-store", headers: { Authorization: `Bearer ${token}` },
    });
  } catch {
    throw new HttpError(0, T.noServer);
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw new HttpError(response.status, detailOf(data, response.status),
      Number(response.headers.get("Retry-After")) || 0);
  }
  return data;
}

// XMLHttpRequest, not fetch: only it reports upload progress.
function postFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/receipts");
    xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status === 202) resolve(xhr.response);
      else reject(new HttpError(xhr.status, detailOf(xhr.response, xhr.status),
        Number(xhr.getResponseHeader("Retry-After")) || 0));
    };
    xhr.onerror = () => reject(new HttpError(0, T.noServer));
    const form = new FormData();
    form.append("file", file, file.name || "receipt");
    xhr.send(form);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function showTokenError(message) {
  const el = $("#token-error");
  el.textContent = message;
  el.hidden = !message;
}

function showNotice(message) {
  const el = $("#notice");
  el.textContent = message || "";
  el.hidden = !message;
}

function setSignedIn(signedIn) {
  $("#token-section").hidden = signedIn;
  $("#upload-section").hidden = !signedIn;
  $("#receipts-section").hidden = !signedIn;
  $("#change-token").hidden = !signedIn;
}

function signOut(message) {
  setSignedIn(false);
  showTokenError(message || "");
  $("input[name=token]").focus();
}

// ---- one receipt entry -------------------------------------------------------------------
function newEntry(label) {
  const li = $("#receipt-template").content.firstElementChild.cloneNode(true);
  for (const el of li.querySelectorAll("[data-i18n]")) el.textContent = T[el.dataset.i18n];
  $(".name", li).textContent = label;
  li.dataset.receiptId = "";
  $(".retry", li).addEventListener("click", () => retry(li));
  $("#receipts").prepend(li);
  $("#empty").hidden = true;
  return li;
}

function setStatus(li, status, badge) {
  li.dataset.status = status;
  const el = $(".badge", li);
  el.textContent = badge || T[status] || status;
  el.className = `badge ${status}`;
  $(".retry", li).hidden = !(status === "failed" && li.dataset.receiptId);
}

function money(total, currency) {
  if (total == null) return T.noTotal;
  const amount = Number(total);
  try {
    return new Intl.NumberFormat(LANG, { style: "currency", currency: currency || "PLN" })
      .format(amount);
  } catch {
    return `${total} ${currency || ""}`.trim();
  }
}

function grafanaLink(receipt) {
  const params = new URLSearchParams();
  if (receipt.currency) params.set("var-currency", receipt.currency);
  if (receipt.date) {
    const day = new Date(`${receipt.date}T00:00:00`);
    params.set("from", String(day.getTime()));
    params.set("to", String(day.getTime() + 86400000 - 1));
  }
  return `/grafana/d/lifeboard-finance/?${params}`;
}

function render(li, receipt) {
  if (li.dataset.receiptId !== receipt.id) {
    li.dataset.receiptId = receipt.id;
    entries.set(receipt.id, li);
  }
  if (receipt.filename) $(".name", li).textContent = receipt.filename;
  $("progress", li).hidden = true;
  const reviewing = receipt.status === "done" && receipt.needs_review;
  setStatus(li, receipt.status, reviewing ? `${T.done} · ${T.needsReview}` : undefined);
  li.classList.toggle("needs-review", reviewing);
  li.dataset.needsReview = String(Boolean(receipt.needs_review));
  const facts = $(".facts", li);
  facts.hidden = receipt.status !== "done";
  if (receipt.status === "done") {
    $(".shop", li).textContent = receipt.shop || T.noShop;
    $(".date", li).textContent = receipt.date || T.noDate;
    $(".total", li).textContent = money(receipt.total, receipt.currency);
    $(".total", li).dataset.total = receipt.total ?? "";
    const items = Array.isArray(receipt.items) ? receipt.items.length : null;
    $(".items", li).textContent = items === null ? "" : T.items(items);
    const link = $(".grafana", li);
    link.href = grafanaLink(receipt);
    link.hidden = false;
  }
  const warnings = $(".warnings", li);
  const failedChecks = Object.entries(receipt.checks || {})
    .filter(([, ok]) => ok === false).map(([name]) => T.failedCheck(name));
  const doubts = [...(receipt.booking_problems || []), ...(receipt.warnings || []), ...failedChecks];
  warnings.replaceChildren(...doubts.map((w) => {
    const item = document.createElement("li");
    item.textContent = w;
    return item;
  }));
  warnings.hidden = !(reviewing && warnings.childElementCount);
  const error = $(".error", li);
  error.textContent = receipt.status === "failed" ? (receipt.error || receipt.last_error || "") : "";
  error.hidden = !error.textContent;
}

function refuse(li, message) {
  $("progress", li).hidden = true;
  setStatus(li, "failed", T.refused);
  const error = $(".error", li);
  error.textContent = message;
  error.hidden = false;
}

// ---- following receipts until they are done or failed --------------------------------------
async function follow(li) {
  while (document.body.contains(li) && !FINAL.has(li.dataset.status)) {
    await sleep(POLL_MS);
    try {
      render(li, await api("GET", `/api/v1/receipts/${li.dataset.receiptId}`));
    } catch (err) {
      if (err.status === 401) return signOut(T.wrongToken);
      if (err.status === 404) return li.remove();
    }
  }
}

async function retry(li) {
  try {
    await api("POST", `/api/v1/receipts/${li.dataset.receiptId}/retry`);
    render(li, await api("GET", `/api/v1/receipts/${li.dataset.receiptId}`));
    follow(li);
  } catch (err) {
    if (err.status === 401) signOut(T.wrongToken);
    else showNotice(err.message);
  }
}

async function uploadOne(file) {
  const li = newEntry(file.name || "receipt");
  setStatus(li, "uploading");
  const bar = $("progress", li);
  bar.hidden = false;
  for (;;) {
    try {
      const accepted = await postFile(file, (share) => { bar.value = Math.round(share * 100); });
      const known = entries.get(accepted.id);
      if (known && known !== li) {
        li.remove();
        $("#receipts").prepend(known);
        showNotice(T.duplicate);
        return;
      }
      if (accepted.duplicate) showNotice(T.duplicate);
      render(li, { id: accepted.id, status: accepted.status, filename: file.name });
      try {
        render(li, await api("GET", `/api/v1/receipts/${accepted.id}`));
      } catch { /* the poll below tries again */ }
      follow(li);
      return;
    } catch (err) {
      if (err.status === 429) {
        const seconds = err.retryAfter || 10;
        showNotice(T.waitRate(seconds));
        await sleep(seconds * 1000);
        showNotice("");
        continue;
      }
      if (err.status === 401) {
        refuse(li, T.wrongToken);
        signOut(T.wrongToken);
        return;
      }
      refuse(li, err.message);
      return;
    }
  }
}

function uploadAll(files) {
  for (const file of files) uploadQueue = uploadQueue.then(() => uploadOne(file));
  return uploadQueue;
}

// ---- the list of recent receipts ---------------------------------------------------------
async function loadRecent() {
  const page = await api("GET", "/api/v1/receipts?limit=30");
  const list = $("#receipts");
  for (const receipt of [...page.items].reverse()) {
    let li = entries.get(receipt.id);
    if (!li) {
      li = newEntry(receipt.filename || receipt.id.slice(0, 8));
    } else {
      list.prepend(li);
    }
    render(li, receipt);
    if (!FINAL.has(receipt.status)) follow(li);
  }
  $("#empty").hidden = list.childElementCount > 0;
}

async function signIn(candidate) {
  token = candidate;
  try {
    await loadRecent();
  } catch (err) {
    if (err.status === 401) {
      localStorage.removeItem(TOKEN_KEY);
      signOut(T.wrongToken);
      return false;
    }
    showTokenError(err.message);
    return false;
  }
  localStorage.setItem(TOKEN_KEY, token);
  showTokenError("");
  setSignedIn(true);
  return true;
}

// ---- "Share → Lifeboard": the service worker keeps shared files until this page takes them --
async function takeSharedFiles() {
  if (!("caches" in window)) return [];
  const cache = await caches.open(SHARE_CACHE);
  const files = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const blob = await response.blob();
    const name = decodeURIComponent(new URL(request.url).searchParams.get("name") || "shared");
    files.push(new File([blob], name, { type: blob.type }));
    await cache.delete(request);
  }
  return files;
}

async function start() {
  translatePage();
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => {});
  }
  $("#token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = $("input[name=token]").value.trim();
    if (value && await signIn(value)) {
      $("input[name=token]").value = "";
      await uploadShared();
    }
  });
  $("#change-token").addEventListener("click", () => {
    localStorage.removeItem(TOKEN_KEY);
    signOut("");
  });
  $("#files").addEventListener("change", (event) => {
    const files = [...event.target.files];
    event.target.value = "";
    uploadAll(files);
  });
  if (!token) return signOut("");
  if (location.search) history.replaceState(null, "", "/");
  if (await signIn(token)) await uploadShared();
}

// Files shared before a token was typed wait in the cache until the first sign-in.
async function uploadShared() {
  const shared = await takeSharedFiles().catch(() => []);
  if (shared.length) {
    showNotice(T.shared(shared.length));
    uploadAll(shared);
  }
}

start();
