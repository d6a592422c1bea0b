// paramcount on Pyodide, in a Web Worker: Python never runs on the page's own thread, so however
// long a count takes, the page stays responsive (runtime.js stops a count that takes too long).
//
// Messages in:  {id, call, args}   call: the name of a function in paramcount.web's __all__,
//                                  args: its arguments (strings)
// Messages out: {ready: true} once Python and paramcount are loaded, or {failed: message};
//               {id, value} with what the function returned (a string, JSON for calculate), or
//               {id, error, broken} when the call could not be made (broken: Python itself failed).
//
// Starting Python takes seconds, most of them spent setting up the interpreter. So after its first
// answer, a worker keeps a memory snapshot of Python with paramcount loaded in the browser's Cache
// Storage (for this site only); later visits start from it in a fraction of the time. The snapshot
// is named by Pyodide's version and a digest of paramcount.zip, so a new paramcount never starts
// from an old one. Without Cache Storage (or where it fails) Python simply starts the slow way.

import { loadPyodide, version } from "../pyodide/pyodide.mjs";

const HOME = "/home/pyodide/paramcount-site";
const SNAPSHOTS = "paramcount-python-snapshots";
// Python's memory after a start is about 30 MB; a first count that grew it far beyond is not kept.
const MAX_SNAPSHOT_BYTES = 64 * 2 ** 20;

const started = start();
started.then(() => postMessage({ ready: true }),
             (error) => postMessage({ failed: String(error?.message ?? error) }));

async function start() {
  // paramcount's sources download while the snapshot is looked up.
  const bundle = await fetch(new URL("paramcount.zip", import.meta.url)).then((response) => {
    if (!response.ok) throw new Error(`paramcount.zip: HTTP ${response.status}`);
    return response.arrayBuffer();
  });
  const snapshotUrl = await snapshotName(bundle);
  const snapshot = await savedSnapshot(snapshotUrl);
  const indexURL = new URL("../pyodide/", import.meta.url).href;
  const pyodide = await loadPyodide(snapshot ? { indexURL, _loadSnapshot: snapshot }
                                             : { indexURL, _makeSnapshot: true });
  // Python imports paramcount from the zip itself (zipimport: nothing to unpack, no module to load
  // first). Files are not part of a snapshot, only Python's memory: the zip is written every time.
  pyodide.FS.mkdirTree(HOME);
  pyodide.FS.writeFile(`${HOME}/paramcount.zip`, new Uint8Array(bundle));
  if (!snapshot) pyodide.runPython(`import sys; sys.path.insert(0, "${HOME}/paramcount.zip")`);
  const web = pyodide.pyimport("paramcount.web");
  // Taken once the first answer is out (the page waits for nothing), with the formulas loaded.
  const snapshotLater = snapshot || !snapshotUrl ? null : () => {
    const memory = pyodide.makeMemorySnapshot();
    if (memory.length <= MAX_SNAPSHOT_BYTES) saveSnapshot(snapshotUrl, memory);
  };
  return { web, callable: new Set(web.__all__.toJs()), PythonError: pyodide.ffi.PythonError,
           snapshotLater };
}

/** Where this paramcount's snapshot is kept, or null where snapshots cannot be kept. */
async function snapshotName(bundle) {
  if (!self.caches || !self.crypto?.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bundle));
  const hex = Array.from(digest.slice(0, 12), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return new URL(`python-snapshot-${version}-${hex}`, import.meta.url).href;
}

async function savedSnapshot(url) {
  if (!url) return null;
  try {
    const response = await (await caches.open(SNAPSHOTS)).match(url);
    return response ? new Uint8Array(await response.arrayBuffer()) : null;
  } catch {
    return null;
  }
}

async function saveSnapshot(url, snapshot) {
  try {
    const cache = await caches.open(SNAPSHOTS);
    for (const old of await cache.keys()) await cache.delete(old); // one paramcount at a time
    await cache.put(url, new Response(snapshot));
  } catch {
    // no room, or storage refused: the next visit starts the slow way, as this one did
  }
}

let snapshotTaken = false;

onmessage = async ({ data: { id, call, args } }) => {
  let web, callable, PythonError, snapshotLater;
  try {
    ({ web, callable, PythonError, snapshotLater } = await started);
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
    if (snapshotLater && !snapshotTaken) {
      snapshotTaken = true;
      setTimeout(snapshotLater, 0);
    }
  } catch (error) {
    // A Python exception leaves Python usable; anything else (Pyodide's fatal error after running
    // out of memory, say) means this worker is of no further use.
    postMessage({ id, error: String(error?.message ?? error), broken: !(error instanceof PythonError) });
  }
};
