// paramcount on Pyodide, in a Web Worker: Python never runs on the page's own thread, so however
// long a count takes, the page stays responsive (runtime.js stops a count that takes too long).
//
// Messages in:  {id, call, args}   call: the name of a function in paramcount.web's __all__,
//                                  args: its arguments (strings)
// Messages out: {ready: true} once Python and paramcount are loaded, or {failed: message};
//               {id, value} with what the function returned (a string, JSON for calculate), or
//               {id, error, broken} when the call could not be made (broken: Python itself failed).

import { loadPyodide } from "../pyodide/pyodide.mjs";

const HOME = "/home/pyodide/paramcount-site";

const started = start();
started.then(() => postMessage({ ready: true }),
             (error) => postMessage({ failed: String(error?.message ?? error) }));

async function start() {
  // paramcount's sources download while Python starts.
  const bundle = fetch(new URL("paramcount.zip", import.meta.url)).then((response) => {
    if (!response.ok) throw new Error(`paramcount.zip: HTTP ${response.status}`);
    return response.arrayBuffer();
  });
  const pyodide = await loadPyodide({ indexURL: new URL("../pyodide/", import.meta.url).href });
  pyodide.unpackArchive(await bundle, "zip", { extractDir: HOME });
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(HOME)})`);
  const web = pyodide.pyimport("paramcount.web");
  return { web, callable: new Set(web.__all__.toJs()), PythonError: pyodide.ffi.PythonError };
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
