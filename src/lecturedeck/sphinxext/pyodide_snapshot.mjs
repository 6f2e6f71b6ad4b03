// Make a memory snapshot of a started Pyodide, for the live cells' first Run.
//
// Usage: node pyodide_snapshot.mjs <node_modules/pyodide> <out.gz> <module,module,...>
//
// Starting Pyodide spends seconds running Python's own start-up in WebAssembly; a snapshot of
// its memory taken once that is done (and the named standard-library modules are imported)
// starts in a fraction of that. Pyodide makes and checks the snapshot (its build id must
// match, or loading it fails and pyworker.js starts Pyodide the usual way). Written gzipped:
// the memory is mostly zeros. Written to <out.gz>.part, then renamed.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import zlib from "node:zlib";

const [dir, out, modules] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(dir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: dir + path.sep, _makeSnapshot: true });
const names = (modules || "").split(",").filter(Boolean);
if (names.length) pyodide.runPython("import " + names.join(", "));
const snapshot = pyodide.makeMemorySnapshot();
fs.writeFileSync(out + ".part", zlib.gzipSync(snapshot, { level: 6 }));
fs.renameSync(out + ".part", out);
