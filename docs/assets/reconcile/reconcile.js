// The reconcile page: a pasted model.summary() explained row by row by paramcount, running in
// this browser on the calculator's Python worker (../calculator/runtime.js). Nothing is sent
// anywhere: the table travels in the URL fragment (#summary=...), compressed (deflate-raw) and
// base64url-encoded, so a link carries the case and a reload shows it again.
//
// States (data-state on .pc-reconcile, which the browser test waits on):
//   empty    nothing pasted yet
//   loading  Python is starting or counting
//   ready    the rows explained (by Python in this browser)
//   invalid  the text is not a summary: a one-line message
//   failed   Python could not start or stopped

import { python } from "../calculator/runtime.js";

const PREFIX = "#summary=";

const app = document.querySelector(".pc-reconcile");
if (app) attach(app);

function attach(app) {
  const box = app.querySelector("textarea");
  const results = app.querySelector(".pc-reconcile-results");
  const message = app.querySelector(".pc-reconcile-message");
  const link = app.querySelector(".pc-reconcile-link");
  const runtime = python(); // start Python at once, while the reader pastes
  let asked = 0;

  async function explain({ remember = true } = {}) {
    const text = box.value;
    const ask = ++asked;
    if (!text.trim()) {
      app.dataset.state = "empty";
      results.innerHTML = "";
      message.textContent = "";
      return;
    }
    app.dataset.state = "loading";
    message.textContent = "Reading the table with paramcount in your browser…";
    if (remember) {
      const url = new URL(location.href);
      url.hash = PREFIX.slice(1) + (await encode(text));
      history.replaceState(history.state, "", url.href);
    }
    link.value = location.href;
    let answer;
    try {
      answer = JSON.parse(await runtime.call("reconcile_summary", [text]));
    } catch (error) {
      if (ask !== asked) return;
      app.dataset.state = "failed";
      results.innerHTML = "";
      message.textContent = `Python stopped in this browser: ${error.message}`;
      return;
    }
    if (ask !== asked) return; // a newer paste is being read
    if (!answer.ok) {
      app.dataset.state = "invalid";
      results.innerHTML = "";
      message.textContent = answer.error;
      return;
    }
    results.innerHTML = answer.html; // rendered by paramcount.web, every value escaped there
    const rows = answer.result.rows;
    const explained = rows.filter((r) => r.explained).length;
    message.textContent = `${explained} of ${rows.length} rows explained.`;
    app.dataset.state = "ready";
  }

  app.querySelector("form").addEventListener("submit", (event) => {
    event.preventDefault();
    explain();
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) explain();
  });
  link.addEventListener("focus", () => link.select());
  window.addEventListener("hashchange", () => openFragment());

  async function openFragment() {
    if (!location.hash.startsWith(PREFIX)) return false;
    try {
      box.value = await decode(location.hash.slice(PREFIX.length));
    } catch {
      app.dataset.state = "invalid";
      message.textContent = "The link's table could not be read (was the address cut short?).";
      return true;
    }
    explain({ remember: false });
    return true;
  }

  openFragment().then((opened) => {
    if (!opened) app.dataset.state = "empty";
  });
}

async function encode(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function decode(encoded) {
  const base64 = encoded.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Response(stream).text();
}
