// Live code cells: edit a cell on the slide and run it with Pyodide, offline.
//
// Python runs in a Web Worker (pyworker.js), never on the page's thread, so a cell that runs
// forever cannot freeze the deck: the slides still move, and the cell's button turns into
// Stop (Esc stops it too). A cell also stops on its own after its time limit: the
// `data-timeout` attribute of the .live-cell, in seconds, or DEFAULT_TIMEOUT_S.
//
// How a cell is stopped depends on the page. Served cross-origin isolated (`make present`
// sends the COOP/COEP headers), the page shares an interrupt buffer with Pyodide and Stop
// raises KeyboardInterrupt in the cell: its output so far and the line it was on are shown,
// and Python stays loaded. Otherwise the worker is ended and a fresh one starts on the next
// Run; the cell says so.
//
// Pyodide and the lecture package are served from this deck's _static folder; nothing
// loads from elsewhere. Python starts loading once the deck has shown its first slide and the
// page is idle (or on the first Run, if that comes sooner), so that the first Run rarely waits;
// it then stays. Not in the print view, the speaker view's previews, or from file://.
// Cells run through cellrun.py, the same file the build used to produce the output printed
// under each cell, so a cell prints the same in the browser as at build time. Opened from
// file://, Chromium refuses to load WebAssembly modules, so the cells keep their build-time
// output and say how to get live runs.
(function () {
  "use strict";

  const STATIC = new URL(".", document.currentScript.src).href; // .../_static/
  const DEFAULT_TIMEOUT_S = 10;
  const SIGINT = 2;
  // An interrupted cell whose code has not ended after this long (it caught the
  // KeyboardInterrupt, or sits in C code that never checks for it) is stopped by ending Python.
  // Python clears the interrupt buffer when it takes the interrupt: if it has not taken it
  // by then (C code, or a busy machine that held the worker's thread), it gets this once more.
  const INTERRUPT_GRACE_MS = 3000;
  // Once the worker says the code has ended ("raised"), what is left is the report of what it
  // printed and where it stopped: that is given this much longer, for a busy machine (or an
  // exception whose message takes its time), before Python is ended all the same.
  const REPORT_GRACE_MS = 15000;
  const RUN_LABEL = "Run \u25B6";
  const STOP_LABEL = "Stop \u25FC";
  const RESTART_NOTE =
    "Python was restarted to stop this cell: whatever earlier runs left in it is gone, " +
    "and the next Run loads it again.";

  let python = null; // {worker, interrupt, ready}: the worker, started on the first Run
  let running = null; // the one job loading Python or running a cell
  let lastId = 0;

  function startPython() {
    const worker = new Worker(STATIC + "pyworker.js", { type: "module" });
    // Shared memory, and with it the interrupt buffer, exists only on isolated pages.
    const interrupt = self.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : null;
    const started = performance.now();
    const me = { worker, interrupt, loaded: false };
    me.ready = new Promise((resolve, reject) => {
      worker.onmessage = (event) => {
        const message = event.data;
        if (message.type === "ready") {
          window.lecturedeckPythonLoadMs = performance.now() - started;
          me.loaded = true;
          resolve();
        } else if (message.type === "failed") {
          reject(new Error(message.message));
        } else if (message.type === "raised" && running && running.id === message.id) {
          running.raised = true;
          if (running.grace) restartAfter(running, REPORT_GRACE_MS);
        } else if (message.type === "result" && running && running.id === message.id) {
          running.finish(message);
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const detail = event.message || "the Python worker did not start";
        reject(new Error(detail));
        if (python === me && running && running.started) {
          endPython();
          running.finish({ type: "crashed", message: detail });
        }
      };
    });
    me.ready.catch(() => {}); // a failed load is reported by the Run that awaited it
    worker.postMessage({ type: "init", interrupt });
    return me;
  }

  function endPython() {
    if (python) python.worker.terminate();
    python = null;
  }

  function seconds(ms) {
    const s = ms / 1000;
    return Number.isInteger(s) ? String(s) : s.toFixed(1);
  }

  function timeLimitMs(cell) {
    const limit = parseFloat(cell.dataset.timeout);
    return (Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_TIMEOUT_S) * 1000;
  }

  // End Python and the job after `ms`, unless the job's result comes first. `again`: wait
  // `ms` once more if Python has not yet taken the interrupt.
  function restartAfter(job, ms, again = false) {
    clearTimeout(job.grace);
    job.grace = setTimeout(() => {
      if (again && python && python.interrupt && python.interrupt[0] === SIGINT) {
        restartAfter(job, ms);
        return;
      }
      endPython();
      job.finish({ type: "restarted" });
    }, ms);
    job.timers.push(job.grace);
  }

  // Stop the running job: interrupt the cell if the page can, else end the worker. A cell
  // whose code has already ended is only being reported: there is nothing to stop.
  function stop(job, reason, elapsedMs) {
    if (job.reason || job.raised) return;
    job.reason = reason;
    job.elapsedMs = elapsedMs ?? (job.started ? performance.now() - job.started : 0);
    job.cell.querySelector(".live-status").textContent = "Stopping…";
    if (job.started && python && python.interrupt) {
      python.interrupt[0] = SIGINT;
      restartAfter(job, INTERRUPT_GRACE_MS, true);
    } else {
      endPython();
      job.finish({ type: "restarted" });
    }
  }

  function stoppedText(job) {
    return job.started
      ? `Stopped after ${seconds(job.elapsedMs)} s: ${job.reason}`
      : `Stopped while Python was loading: ${job.reason}`;
  }

  async function runCell(cell) {
    const status = cell.querySelector(".live-status");
    const output = cell.querySelector(".live-output");
    const button = cell.querySelector(".live-run");
    if (running) {
      if (running.cell === cell) stop(running, "Stop pressed");
      else status.textContent = "Another cell is running: stop it first (Esc)";
      return;
    }
    const setStatus = (text, state) => {
      status.textContent = text;
      cell.dataset.state = state;
    };
    const show = (text, isError) => {
      output.textContent = text.replace(/\s+$/, "");
      output.removeAttribute("data-build-output");
      output.classList.toggle("live-error", isError);
    };
    const job = { cell, id: ++lastId, reason: null, started: 0, timers: [], raised: false };
    const ended = new Promise((resolve) => {
      job.finish = resolve;
    });
    running = job;
    button.textContent = STOP_LABEL;
    button.title = "Stop (Esc)";
    button.classList.add("live-stop");
    try {
      if (!python) python = startPython();
      if (!python.loaded) setStatus("Loading Python…", "loading");
      const loaded = await Promise.race([python.ready.then(() => null), ended]);
      if (loaded) {
        setStatus(stoppedText(job), "stopped");
        return;
      }
      setStatus("Running…", "running");
      const limit = timeLimitMs(cell);
      if (python.interrupt) python.interrupt[0] = 0; // a Stop that came too late is void
      job.started = performance.now();
      job.timers.push(setTimeout(() => stop(job, "the cell's time limit", limit), limit));
      // An explorable figure's cell adds the code that evaluates the edited function over
      // the figure's grid (data-epilogue), and needs its whole output, however long.
      const epilogue = cell.dataset.epilogue || "";
      const code = cell.querySelector(".live-source").value + epilogue;
      python.worker.postMessage({ type: "run", id: job.id, source: code, whole: !!epilogue });
      const outcome = await ended;
      const ms = performance.now() - job.started;
      if (outcome.type === "result" && (outcome.ok || !job.reason)) {
        show(outcome.text, !outcome.ok);
        setStatus(
          outcome.ok ? `Ran in ${ms.toFixed(0)} ms` : "Error (traceback below)",
          outcome.ok ? "done" : "error"
        );
      } else if (outcome.type === "result") {
        show(outcome.text, true); // what it printed, then KeyboardInterrupt at its line
        setStatus(stoppedText(job), "stopped");
      } else if (outcome.type === "restarted") {
        show(RESTART_NOTE, true);
        setStatus(stoppedText(job), "stopped");
      } else {
        show(RESTART_NOTE, true);
        setStatus("Python failed: " + outcome.message, "error");
      }
    } catch (err) {
      endPython(); // let the next Run try loading again
      setStatus("Python failed to load: " + (err.message || String(err)), "error");
    } finally {
      job.timers.forEach(clearTimeout);
      running = null;
      button.textContent = RUN_LABEL;
      button.title = "Run (Shift+Enter)";
      button.classList.remove("live-stop");
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
        if (!running || running.cell !== cell) runCell(cell);
      } else if (event.key === "Tab") {
        event.preventDefault();
        source.setRangeText("    ", source.selectionStart, source.selectionEnd, "end");
      } else if (event.key === "Escape") {
        source.blur(); // hand the keyboard back to the deck
      }
    });
  }

  // Esc stops a running cell wherever the focus is; reveal.js never sees that Esc.
  window.addEventListener(
    "keydown",
    (event) => {
      if (event.key === "Escape" && running) {
        event.preventDefault();
        event.stopImmediatePropagation();
        stop(running, "Esc pressed");
      }
    },
    true
  );

  // Call `run` once the page's first content is on screen. The paint's timing entry is the
  // moment it was shown, which on a busy machine comes after the page's own thread fell idle.
  function afterFirstPaint(run) {
    const types = (window.PerformanceObserver && PerformanceObserver.supportedEntryTypes) || [];
    const painted = performance.getEntriesByName("first-contentful-paint").length > 0;
    if (painted || !types.includes("paint")) {
      run();
      return;
    }
    const observer = new PerformanceObserver((list) => {
      if (list.getEntriesByName("first-contentful-paint").length) {
        observer.disconnect();
        run();
      }
    });
    observer.observe({ type: "paint", buffered: true });
  }

  // Start Python ahead of the first Run, after the first slide is shown, when the page is idle.
  function startWhenIdle() {
    const idle = window.requestIdleCallback || ((run) => setTimeout(run, 200));
    afterFirstPaint(() =>
      idle(
        () => {
          if (!python) python = startPython();
        },
        { timeout: 2000 }
      )
    );
  }

  document.addEventListener("DOMContentLoaded", () => {
    const cells = document.querySelectorAll(".live-cell");
    cells.forEach(setUp);
    const live = cells.length && /^https?:$/.test(location.protocol);
    if (!live || /print-pdf|receiver/.test(location.search) || !window.Reveal) return;
    if (Reveal.isReady()) startWhenIdle();
    else Reveal.on("ready", startWhenIdle);
  });
})();
