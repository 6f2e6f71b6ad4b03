// Live code cells: edit a cell on the slide and run it with Pyodide, offline.
//
// Pyodide and the lecture package are served from this deck's _static folder; nothing
// loads from elsewhere. Pyodide loads on the first Run only (a few seconds), then stays.
// Cells run through cellrun.py, the same file the build used to produce the output
// printed under each cell, so a cell prints the same in the browser as at build time.
// Opened from file://, Chromium refuses to load WebAssembly modules, so the cells keep
// their build-time output and say how to get live runs.
(function () {
  "use strict";

  const STATIC = new URL(".", document.currentScript.src).href; // .../_static/
  let pyodideReady = null; // a promise, created on the first Run

  async function loadPython(setStatus) {
    setStatus("Loading Python…", "loading");
    const started = performance.now();
    const { loadPyodide } = await import(STATIC + "pyodide/pyodide.mjs");
    const pyodide = await loadPyodide({ indexURL: STATIC + "pyodide/" });
    // Revalidate: a module fixed during the lecture must not come from the browser's cache.
    const get = (rel) => fetch(STATIC + rel, { cache: "no-cache" });
    const manifest = await (await get("py/manifest.json")).json();
    const root = "/home/pyodide/lecturedeck_py";
    pyodide.FS.mkdirTree(root);
    for (const rel of manifest.files) {
      const text = await (await get("py/" + rel)).text();
      const parts = rel.split("/");
      let dir = root;
      for (const part of parts.slice(0, -1)) {
        dir += "/" + part;
        pyodide.FS.mkdirTree(dir);
      }
      pyodide.FS.writeFile(root + "/" + rel, text);
    }
    pyodide.runPython(
      "import sys\nsys.path.insert(0, " + JSON.stringify(root) + ")\n" +
      "from cellrun import run_cell_report as _lecturedeck_run"
    );
    window.lecturedeckPythonLoadMs = performance.now() - started;
    return pyodide.globals.get("_lecturedeck_run");
  }

  async function runCell(cell) {
    const status = cell.querySelector(".live-status");
    const output = cell.querySelector(".live-output");
    const button = cell.querySelector(".live-run");
    const setStatus = (text, state) => {
      status.textContent = text;
      cell.dataset.state = state;
    };
    button.disabled = true;
    try {
      if (!pyodideReady) pyodideReady = loadPython(setStatus);
      else setStatus("Running…", "running");
      const run = await pyodideReady;
      setStatus("Running…", "running");
      const started = performance.now();
      const result = run(cell.querySelector(".live-source").value);
      const [ok, text] = result.toJs();
      result.destroy();
      const ms = performance.now() - started;
      output.textContent = text.replace(/\s+$/, "");
      output.removeAttribute("data-build-output");
      output.classList.toggle("live-error", !ok);
      setStatus(ok ? `Ran in ${ms.toFixed(0)} ms` : "Error (traceback below)", ok ? "done" : "error");
    } catch (err) {
      pyodideReady = null; // let the next Run try loading again
      setStatus("Python failed to load: " + (err.message || String(err)), "error");
    } finally {
      button.disabled = false;
    }
  }

  function setUp(cell) {
    const source = cell.querySelector(".live-source");
    const button = cell.querySelector(".live-run");
    if (location.protocol === "file:") {
      button.disabled = true;
      const note = document.createElement("div");
      note.className = "live-note";
      note.textContent = "Output from the build. Live runs need `make present` (http).";
      cell.appendChild(note);
      return;
    }
    button.addEventListener("click", () => runCell(cell));
    const minRows = source.rows;
    source.addEventListener("input", () => {
      source.rows = Math.max(minRows, source.value.split("\n").length);
    });
    // Keys typed in a cell belong to the cell, never to reveal.js.
    for (const type of ["keydown", "keypress", "keyup"]) {
      source.addEventListener(type, (event) => event.stopPropagation());
    }
    source.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.shiftKey) {
        event.preventDefault();
        runCell(cell);
      } else if (event.key === "Tab") {
        event.preventDefault();
        source.setRangeText("    ", source.selectionStart, source.selectionEnd, "end");
      } else if (event.key === "Escape") {
        source.blur(); // hand the keyboard back to the deck
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".live-cell").forEach(setUp);
  });
})();
