// The live calculator: paramcount itself, running in the browser on Pyodide, in a Web Worker.
//
// Everything the reader sees is computed and rendered by Python (paramcount.web): by the site's
// build for the cases the site links to (answers/<key>.json, shown at once while Python starts),
// and by the same code in the browser (runtime.js, worker.js) for everything, those included.
// This script passes what is typed, shows the HTML that comes back, and keeps the URL in step so
// the case can be shared. Nothing is fetched from another host: Pyodide is vendored into the site.
//
// The rule: a number on screen belongs to the case in the fields. Until that case's answer is
// here, the results area is empty, or its totals read "…" while a typed change is counted.
//
// States (data-state on .pc-calc, which the browser tests wait on):
//   loading  no answer yet for the case in the fields (Python is starting): no results
//   pending  typed into, the count not yet redone: totals read "…", the rest dimmed
//   ready    the results of the case in the fields; data-source says who counted them:
//            "build" (the site's build, Python still starting) or "python" (this browser)
//   invalid  an input is wrong: a message under its field, no numbers
//   stopped  counting took longer than the time limit, or broke Python: a message, no numbers
//   failed   Python could not start in this browser (the build's answer for the fields may show)
// data-computed holds the [layer, input_shape] the results or message on screen belong to.

import { python, TooLong } from "./runtime.js";

const DEBOUNCE_MS = 150;
const FIELDS = ["layer", "input_shape"];
const ANSWERS = new URL("answers/", import.meta.url);
const STARTING = "Starting Python in your browser…";
const FROM_BUILD = "Counted by paramcount when this site was built; Python is starting in your " +
  "browser to count it again and to count what you type.";

const runtime = python(); // start Python at once, while the page is still being read
let current = null; // the calculator on the page shown now (instant navigation swaps pages)

function follow() {
  if (window.document$) window.document$.subscribe(attach);
  else attach();
}

function attach() {
  const app = document.querySelector(".pc-calc");
  if (!app || app === current?.app) return;
  current = new Calculator(app);
  current.open(caseInUrl(current));
}

/** The case a URL names; without one, the page's example (the fields' initial values). */
function caseInUrl(calculator, url = location.href) {
  const params = new URL(url).searchParams;
  const named = FIELDS.some((name) => params.has(name));
  return FIELDS.map((name) => (named ? params.get(name) ?? "" : calculator.inputs[name].defaultValue));
}

/** A link to a case on this page (the examples above the form) fills the fields: Python is
 * already running, there is no need to load the page again. */
function followLink(event) {
  const link = event.target.closest?.("a[href]");
  if (!current || !link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey
      || event.altKey) return;
  const url = new URL(link.href);
  if (url.origin !== location.origin || url.pathname !== location.pathname
      || !url.searchParams.has("layer")) return;
  event.preventDefault();
  event.stopPropagation(); // Material's instant navigation would load the page again
  history.pushState(history.state, "", url.href);
  current.open(caseInUrl(current, url.href));
  current.app.scrollIntoView({ block: "start" });
}

/** 32-bit FNV-1a of the case's UTF-8 bytes, in hex: the name of its build-time answer file
 * (paramcount_site.generate.answer_key computes the same). */
function answerKey([layer, shape]) {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(`${layer}\n${shape}`)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

const same = (a, b) => a[0] === b[0] && a[1] === b[1];

class Calculator {
  constructor(app) {
    this.app = app;
    this.path = location.pathname; // the page it is on; its cases differ in the query only
    this.inputs = Object.fromEntries(FIELDS.map((name) => [name, app.querySelector(`[name="${name}"]`)]));
    this.errors = Object.fromEntries(FIELDS.map((name) => [name, app.querySelector(`[data-error-for="${name}"]`)]));
    this.door = app.querySelector("[data-door-for]");
    this.status = app.querySelector(".pc-status");
    this.results = app.querySelector(".pc-results");
    this.announce = app.querySelector(".pc-announce");
    this.answered = new Set((app.dataset.answers ?? "").split(" ")); // keys of the build's answers
    this.wanted = null; // the case to count next, once Python is free
    this.counting = false;
    this.failed = null; // why Python could not start, if it could not

    let timer;
    for (const name of FIELDS) {
      this.inputs[name].addEventListener("input", () => {
        this.mark(); // until the count catches up with the keys, no old total is left standing
        clearTimeout(timer);
        timer = setTimeout(() => { this.count(); this.share(); }, DEBOUNCE_MS);
      });
    }
    app.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      this.count();
      this.share();
    });
    runtime.ready.catch((error) => {
      this.failed = error;
      this.app.dataset.state = "failed";
      this.status.textContent = `The calculator could not start Python in this browser: ${error.message}`;
      console.error(error);
    });
  }

  fields() {
    return FIELDS.map((name) => this.inputs[name].value);
  }

  computed() {
    return this.app.dataset.computed ? JSON.parse(this.app.dataset.computed) : null;
  }

  /** Show a case: its fields at once, its answer from the build if the site has one, then
   * Python's. */
  open(wanted) {
    FIELDS.forEach((name, i) => { this.inputs[name].value = wanted[i]; });
    const shown = this.computed();
    if (shown && same(shown, wanted) && this.app.dataset.state !== "pending") return;
    this.results.replaceChildren();
    for (const name of FIELDS) this.showError(name, "");
    this.announce.textContent = "";
    delete this.app.dataset.computed;
    delete this.app.dataset.source;
    this.app.dataset.state = "loading";
    if (!this.failed) this.status.textContent = STARTING;
    this.fromBuild(wanted);
    this.count();
  }

  async fromBuild(wanted) {
    const key = answerKey(wanted);
    if (!this.answered.has(key)) return; // not a case the site links to: Python will answer
    let answer;
    try {
      const response = await fetch(new URL(`${key}.json`, ANSWERS));
      if (!response.ok) return;
      answer = await response.json();
    } catch {
      return;
    }
    const stillWanted = same(this.fields(), wanted) && this.app.dataset.state === "loading";
    if (stillWanted && same([answer.layer, answer.input_shape], wanted)) this.show(wanted, answer, "build");
  }

  /** Count what the fields hold, once Python is free; an older count still running is let be. */
  async count() {
    this.wanted = this.fields();
    if (this.counting) return;
    this.counting = true;
    while (this.wanted) {
      const wanted = this.wanted;
      this.wanted = null;
      try {
        this.show(wanted, JSON.parse(await runtime.call("calculate", wanted)), "python");
      } catch (error) {
        this.stop(wanted, error);
      }
    }
    this.counting = false;
  }

  show(wanted, answer, source) {
    if (!same(this.fields(), wanted)) return; // typed over meanwhile: that count comes next
    for (const name of FIELDS) this.showError(name, !answer.ok && answer.field === name ? answer.error : "");
    // An unknown class: links to where it can be counted (HTML paramcount made from the error).
    if (this.door) this.door.innerHTML = (!answer.ok && answer.door_html) || "";
    if (answer.internal) console.error(answer.error);
    if (answer.ok) this.results.innerHTML = answer.results_html;
    else this.results.replaceChildren();
    this.announce.textContent = answer.ok ? `Total params: ${answer.total.toLocaleString("en-US")}` : answer.error;
    this.status.textContent = this.failed ? this.status.textContent : source === "build" ? FROM_BUILD : "";
    this.app.dataset.computed = JSON.stringify(wanted);
    this.app.dataset.source = source;
    this.app.dataset.state = this.failed ? "failed" : answer.ok ? "ready" : "invalid";
  }

  /** No answer for this case: too slow, or Python broke (or never started). */
  stop(wanted, error) {
    if (!same(this.fields(), wanted)) return;
    if (this.failed) { // the status says why; an answer from the build for these fields stays
      if (!same(this.computed() ?? [], wanted)) this.results.replaceChildren();
      this.app.dataset.state = "failed";
      return;
    }
    const message = error instanceof TooLong
      ? `paramcount was stopped after ${error.seconds} seconds on this input: the calculator does ` +
        "not count layers this costly. Check the sizes and the nesting of the layer."
      : `paramcount could not count this in your browser (${error.message}).`;
    for (const name of FIELDS) this.showError(name, "");
    if (this.door) this.door.replaceChildren();
    this.results.replaceChildren();
    this.status.textContent = message;
    this.announce.textContent = message;
    this.app.dataset.computed = JSON.stringify(wanted);
    this.app.dataset.source = "python";
    this.app.dataset.state = "stopped";
  }

  showError(name, message) {
    this.errors[name].textContent = message;
    if (message) this.inputs[name].setAttribute("aria-invalid", "true");
    else this.inputs[name].removeAttribute("aria-invalid");
  }

  /** Typed into: the totals on screen no longer belong to the fields. */
  mark() {
    for (const total of this.results.querySelectorAll("[data-result]")) total.textContent = "…";
    if (this.app.dataset.state !== "loading") this.app.dataset.state = "pending";
  }

  share() {
    const query = FIELDS.map((name) => `${name}=${encodeURIComponent(this.inputs[name].value)}`).join("&");
    history.replaceState(history.state, "", `${location.pathname}?${query}${location.hash}`);
  }
}

// The script may run before the page is read to its end (it is async): the form is looked for
// once it is. Material's document$ then announces every page, this one and each instant page change.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", follow, { once: true });
else follow();
document.addEventListener("click", followLink, true);
// Back or forward to another case of this page (an example link pushed it) is shown in place, and
// kept from Material's instant navigation (assets/javascripts/own-history.js). Other pages, and a
// change of #anchor only, are Material's.
window.pcOwnHistory = () => {
  if (!current?.app.isConnected || location.pathname !== current.path) return false;
  const wanted = caseInUrl(current);
  if (same(wanted, current.fields())) return false;
  current.open(wanted);
  return true;
};
