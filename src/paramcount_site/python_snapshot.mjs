// Python's memory with paramcount loaded, as the calculator's worker starts from it (Node.js).
//
//   node python_snapshot.mjs <pyodide dir> <paramcount.zip> <snapshot file>
//
// Run by paramcount_site.generate. The worker does the same steps after a fresh start (worker.js):
// the zip at the same path, first on sys.path, paramcount.web imported and its formulas loaded.

import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [pyodideDir, bundlePath, snapshotPath] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(`${pyodideDir}/pyodide.mjs`).href);
const pyodide = await loadPyodide({ indexURL: `${pyodideDir}/`, _makeSnapshot: true,
                                    _sysExecutable: "python" });
const home = "/home/pyodide/paramcount-site";
pyodide.FS.mkdirTree(home);
pyodide.FS.writeFile(`${home}/paramcount.zip`, readFileSync(bundlePath));
pyodide.runPython(`import sys; sys.path.insert(0, "${home}/paramcount.zip")
import paramcount.web
paramcount.web.calculate("LSTM(10)", "(None, 1)")  # loads the formulas`);
writeFileSync(snapshotPath, pyodide.makeMemorySnapshot());
