// The Python of the live code cells: Pyodide in a module worker, so that a cell that runs
// forever never freezes the deck. livecode.js starts this worker on the first Run.
//
// Messages in:  {type: "init", interrupt}  interrupt: an Int32Array on a SharedArrayBuffer
//                                          (cross-origin isolated pages only) or null
//               {type: "run", id, source, whole}  whole: keep all of the output
// Messages out: {type: "ready"} | {type: "failed", message} | {type: "result", id, ok, text}
//               | {type: "raised", id}: the cell's code has ended in an exception (a Stop's
//                 KeyboardInterrupt among them); its result, with the traceback, follows
//
// Everything loads from this deck's _static folder: Pyodide, and py/manifest.json, which holds
// cellrun.py and the lecture package (one request) and names the snapshot of a started Pyodide
// that `make setup` made (sphinxext/pysnapshot.py). Pyodide starts from that snapshot in a
// fraction of its usual start-up, or the usual way when there is none or it does not load.
// Cells run through cellrun.run_cell_report, as at build time.
import { loadPyodide } from "./pyodide/pyodide.mjs";

const STATIC = new URL(".", import.meta.url).href; // .../_static/
// A cell that prints without end must not flood the page: keep its first and last lines
// (the traceback is at the end) and say how much was left out in between.
const HEAD_CHARS = 4000;
const TAIL_CHARS = 12000;
let ready = null; // a promise of the cell runner

// Revalidate: a module fixed during the lecture must not come from the browser's cache.
async function get(rel) {
  const response = await fetch(STATIC + rel, { cache: "no-cache" });
  if (!response.ok) throw new Error(`${rel}: HTTP ${response.status}`);
  return response;
}

// The snapshot's bytes: gzipped on disk, unless a server already undid that on the way.
async function snapshotBytes(rel) {
  const bytes = new Uint8Array(await (await get(rel)).arrayBuffer());
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function startPyodide(snapshot) {
  const indexURL = STATIC + "pyodide/";
  if (snapshot && typeof DecompressionStream === "function") {
    try {
      return await loadPyodide({ indexURL, _loadSnapshot: snapshotBytes(snapshot) });
    } catch (err) {
      console.warn("Live cells: the Pyodide snapshot did not load; starting Pyodide without it:", err);
    }
  }
  return await loadPyodide({ indexURL });
}

async function load(interrupt) {
  const manifest = await (await get("py/manifest.json")).json();
  const pyodide = await startPyodide(manifest.snapshot);
  // SIGINT written into the buffer by the page raises KeyboardInterrupt in the running cell.
  if (interrupt) pyodide.setInterruptBuffer(interrupt);
  const root = "/home/pyodide/lecturedeck_py";
  pyodide.FS.mkdirTree(root);
  for (const [rel, text] of Object.entries(manifest.files)) {
    const dir = rel.split("/").slice(0, -1).join("/");
    if (dir) pyodide.FS.mkdirTree(root + "/" + dir);
    pyodide.FS.writeFile(root + "/" + rel, text);
  }
  pyodide.runPython(
    "import sys\nsys.path.insert(0, " + JSON.stringify(root) + ")\n" +
    "from cellrun import run_cell_report as _lecturedeck_run"
  );
  return pyodide.globals.get("_lecturedeck_run");
}

function shorten(text) {
  if (text.length <= HEAD_CHARS + TAIL_CHARS) return text;
  const left = text.length - HEAD_CHARS - TAIL_CHARS;
  return (
    text.slice(0, HEAD_CHARS) +
    `\n… ${left.toLocaleString("en")} characters of output left out …\n` +
    text.slice(-TAIL_CHARS)
  );
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    ready = load(message.interrupt);
    try {
      await ready;
      self.postMessage({ type: "ready" });
    } catch (err) {
      self.postMessage({ type: "failed", message: err.message || String(err) });
    }
  } else if (message.type === "run") {
    const run = await ready;
    let ok, text;
    try {
      const raised = () => self.postMessage({ type: "raised", id: message.id });
      const result = run(message.source, raised);
      [ok, text] = result.toJs();
      result.destroy();
    } catch (err) {
      // An interrupt that lands outside the cell, in the call itself, still ends the run.
      [ok, text] = [false, err.message || String(err)];
    }
    self.postMessage({ type: "result", id: message.id, ok, text: message.whole ? text : shorten(text) });
  }
};
