// The live calculator: paramcount itself, running in the page on Pyodide.
//
// Everything the reader sees is computed and rendered by Python (paramcount.web); this script only
// starts Python, passes it what is typed, shows the HTML it returns, and keeps the URL in step so
// the case can be shared. Nothing is fetched from another host: Pyodide is vendored into the site.
//
// States (data-state on .pc-calc, which the browser tests wait on):
//   loading -> ready (results shown) | invalid (an input is wrong, no numbers) | failed (no Python)
//   pending: typed into, the count not yet redone (for the short debounce); results dimmed
// data-computed holds the [layer, input_shape] the results or errors on screen belong to.

import { loadPyodide } from "../pyodide/pyodide.mjs";

const DEBOUNCE_MS = 150;
const FIELDS = ["layer", "input_shape"];

const app = document.querySelector(".pc-calc");
if (app) start(app);

async function start(app) {
  const inputs = Object.fromEntries(FIELDS.map((name) => [name, app.querySelector(`[name="${name}"]`)]));
  const errors = Object.fromEntries(FIELDS.map((name) => [name, app.querySelector(`[data-error-for="${name}"]`)]));
  const status = app.querySelector(".pc-status");
  const results = app.querySelector(".pc-results");
  const announce = app.querySelector(".pc-announce");

  // A shared URL names the case; without one, the fields keep the page's example.
  const params = new URLSearchParams(location.search);
  for (const name of FIELDS) if (params.has(name)) inputs[name].value = params.get(name);

  let calculate;
  try {
    calculate = await startPython(status);
  } catch (error) {
    app.dataset.state = "failed";
    results.replaceChildren();
    status.textContent = `The calculator could not start Python in this browser: ${error.message}`;
    console.error(error);
    return;
  }

  function update() {
    const layer = inputs.layer.value;
    const shape = inputs.input_shape.value;
    const answer = calculate(layer, shape);
    for (const name of FIELDS) {
      const wrong = !answer.ok && answer.field === name;
      errors[name].textContent = wrong ? answer.error : "";
      if (wrong) inputs[name].setAttribute("aria-invalid", "true");
      else inputs[name].removeAttribute("aria-invalid");
    }
    if (answer.internal) console.error(answer.error);
    // Never leave a number on screen that does not belong to what the fields say.
    if (answer.ok) results.innerHTML = answer.results_html;
    else results.replaceChildren();
    announce.textContent = answer.ok ? `Total params: ${answer.total.toLocaleString("en-US")}` : answer.error;
    app.dataset.computed = JSON.stringify([layer, shape]);
    app.dataset.state = answer.ok ? "ready" : "invalid";
  }

  function share() {
    const query = FIELDS.map((name) => `${name}=${encodeURIComponent(inputs[name].value)}`).join("&");
    history.replaceState(history.state, "", `${location.pathname}?${query}${location.hash}`);
  }

  let timer;
  for (const name of FIELDS) {
    inputs[name].addEventListener("input", () => {
      // Until the count catches up with the keys, the numbers on screen are marked as old.
      app.dataset.state = "pending";
      clearTimeout(timer);
      timer = setTimeout(() => { update(); share(); }, DEBOUNCE_MS);
    });
  }
  app.querySelector("form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    update();
    share();
  });

  // A link to a case on this page (the examples, or {{ calculator(...) }} links) just fills the
  // fields: Python is already running, there is no need to load the page again.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = new URL(link.href);
    if (url.origin !== location.origin || url.pathname !== location.pathname || !url.searchParams.has("layer")) return;
    event.preventDefault();
    for (const name of FIELDS) inputs[name].value = url.searchParams.get(name) ?? "";
    clearTimeout(timer);
    update();
    share();
    app.scrollIntoView({ block: "start" });
  });

  status.textContent = "";
  update();
}

async function startPython(status) {
  status.textContent = "Starting Python in your browser…";
  const pyodide = await loadPyodide({ indexURL: new URL("../pyodide/", import.meta.url).href });
  status.textContent = "Loading paramcount…";
  const bundle = await fetch(new URL("paramcount.zip", import.meta.url));
  if (!bundle.ok) throw new Error(`paramcount.zip: HTTP ${bundle.status}`);
  const home = "/home/pyodide/paramcount-site";
  pyodide.unpackArchive(await bundle.arrayBuffer(), "zip", { extractDir: home });
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(home)})`);
  const web = pyodide.pyimport("paramcount.web");
  return (layer, shape) => JSON.parse(web.calculate(layer, shape));
}
