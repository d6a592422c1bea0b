// paramcount on Pyodide, in a Web Worker: Python never runs on the page's own thread, so however
// long a count takes, the page stays responsive (runtime.js stops a count that takes too long).
//
// Messages in:  {id, call, args}   call: the name of a function in paramcount.web's __all__,
//                                  args: its arguments (strings)
// Messages out: {ready: true} once Python and paramcount are loaded, or {failed: message};
//               {id, value} with what the function returned (a string, JSON for calculate), or
//               {id, error, broken} when the call could not be made (broken: Python itself failed).
//
// Starting Python takes seconds, most of them spent setting up the interpreter. So the site's build
// keeps a memory snapshot of Python with paramcount loaded (paramcount_site.generate, made by the
// same Pyodide under Node.js), and the worker starts from it in about a second. The snapshot comes
// with the digest of the paramcount.zip it was made from: the worker uses it only with that very
// zip, so it always runs the paramcount the site was built with, and otherwise starts afresh.

// Imported while the files below download, not before.
const pyodideModule = import("../pyodide/pyodide.mjs");

const HOME = "/home/pyodide/paramcount-site";

const started = start();
started.then(() => postMessage({ ready: true }),
             (error) => postMessage({ failed: String(error?.message ?? error) }));

async function start() {
  const canUseSnapshot = Boolean(self.crypto?.subtle && self.DecompressionStream);
  const made = fetchOk("python-snapshot.json").then((response) => response.json()).catch(() => ({}));
  // The snapshot downloads while its digest is checked and Pyodide compiles its runtime.
  const snapshot = made.then((info) => (canUseSnapshot && info.bundle_sha256 ? readSnapshot() : null));
  const bundle = await fetchOk("paramcount.zip").then((response) => response.arrayBuffer());
  const indexURL = new URL("../pyodide/", import.meta.url).href;
  const { loadPyodide } = await pyodideModule;
  let pyodide = null;
  if (canUseSnapshot && await madeFrom(bundle, (await made).bundle_sha256)) {
    const memory = snapshot.then((bytes) => bytes ?? Promise.reject(new Error("no snapshot")));
    pyodide = await loadPyodide({ indexURL, _loadSnapshot: memory }).catch(() => null);
  }
  const fresh = !pyodide;
  pyodide ??= await loadPyodide({ indexURL }); // slower, same answers
  // Python imports paramcount from the zip itself (zipimport: nothing to unpack). Files are not
  // part of a snapshot, only Python's memory: the zip is written every time.
  pyodide.FS.mkdirTree(HOME);
  pyodide.FS.writeFile(`${HOME}/paramcount.zip`, new Uint8Array(bundle));
  if (fresh) pyodide.runPython(`import sys; sys.path.insert(0, "${HOME}/paramcount.zip")`);
  const web = pyodide.pyimport("paramcount.web");
  return { web, callable: new Set(web.__all__.toJs()), PythonError: pyodide.ffi.PythonError };
}

async function fetchOk(name) {
  const response = await fetch(new URL(name, import.meta.url));
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  return response;
}

/** Whether the snapshot was made from this very bundle. */
async function madeFrom(bundle, digestWanted) {
  if (!digestWanted) return false;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bundle));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("") === digestWanted;
}

/** The build's snapshot of Python's memory, or null if it cannot be read. */
async function readSnapshot() {
  try {
    const packed = (await fetchOk("python.snapshot.gz")).body;
    const memory = packed.pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(memory).arrayBuffer());
  } catch {
    return null;
  }
}

onmessage = async ({ data: { id, call, args } }) => {
  let web, callable, PythonError;
  try {
    ({ web, callable, PythonError } = await started);
  } catch (error) {
    postMessage({ id, error: `Python did not start: ${error?.message ?? error}`, broken: true });
    return;
  }
  if (!callable.has(call)) {
    postMessage({ id, error: `paramcount.web has no function ${JSON.stringify(call)}` });
    return;
  }
  try {
    const value = web[call](...args);
    if (typeof value !== "string") {
      value?.destroy?.();
      throw new Error(`paramcount.web.${call} returned something other than a string`);
    }
    postMessage({ id, value });
  } catch (error) {
    // A Python exception leaves Python usable; anything else (Pyodide's fatal error after running
    // out of memory, say) means this worker is of no further use.
    postMessage({ id, error: String(error?.message ?? error), broken: !(error instanceof PythonError) });
  }
};
