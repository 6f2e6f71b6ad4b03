// Explorable figures: move a control and the figure redraws from lecture_code's values.
//
// The build ran the figure's Python function for every combination of its controls and wrote
// the results beside the deck (_explorables/<deck>-<n>.js), so moving a control needs no
// Python: it picks that combination's result and draws it with Observable Plot. The data,
// Plot and d3 (which Plot needs) load when a slide with a figure comes near, or at once when
// the deck is printed; as classic scripts, they load from file:// too.
//
// Under `make present` the figure's function can be edited and rerun ("Edit the code"): the
// edited function runs in Pyodide through the live-cell runner (livecode.js), over the same
// grid, and the controls then draw its values.
(function () {
  "use strict";

  const STATIC = new URL(".", document.currentScript.src).href; // .../_static/
  // Okabe & Ito's palette, as scripts/figstyle.py draws the static figures.
  const PALETTE = {
    black: "#000000",
    orange: "#E69F00",
    sky: "#56B4E9",
    green: "#009E73",
    yellow: "#F0E442",
    blue: "#0072B2",
    vermilion: "#D55E00",
    purple: "#CC79A7",
  };
  const HEIGHT = 400; // the chart's height in slide pixels; CSS reserves the same
  const FONT_PX = 20; // axis and label text, readable at slide scale
  const MARKER = "@@explorable@@";
  const figures = [];
  let library = null;

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error("could not load " + src));
      document.head.appendChild(script);
    });
  }

  function loadLibrary() {
    if (!library) {
      library = loadScript(STATIC + "plot/d3.min.js").then(() =>
        loadScript(STATIC + "plot/plot.umd.min.js")
      );
    }
    return library;
  }

  function colour(name) {
    return PALETTE[name] || name;
  }

  function rows(mark) {
    return mark.y.map((y, i) => ({
      x: mark.x ? mark.x[i] : null,
      y,
      text: mark.text ? mark.text[i] : null,
      fill: colour(Array.isArray(mark.color) ? mark.color[i] : mark.color || "black"),
    }));
  }

  function marksOf(spec) {
    return spec.marks.map((mark) => {
      const data = rows(mark);
      if (mark.mark === "bar") return Plot.barY(data, { x: "x", y: "y", fill: "fill" });
      if (mark.mark === "outline") {
        return Plot.barY(data, {
          x: "x",
          y: "y",
          fill: "none",
          stroke: "fill",
          strokeWidth: 2,
          strokeDasharray: "6,4",
        });
      }
      if (mark.mark === "rule") return Plot.ruleY(data, { y: "y", stroke: "fill" });
      if (mark.mark === "label") {
        // Above a bar that goes up, below one that goes down.
        const label = (rows, dy) =>
          Plot.text(rows, { x: "x", y: "y", text: "text", fill: "fill", dy, fontSize: FONT_PX });
        return [label(data.filter((d) => d.y >= 0), -16), label(data.filter((d) => d.y < 0), 18)];
      }
      throw new Error("unknown mark " + mark.mark);
    });
  }

  class Figure {
    constructor(element) {
      this.element = element;
      this.data = null; // loaded with the library, from the figure's own data script
      this.chart = element.querySelector(".explorable-chart");
      for (const input of element.querySelectorAll("[data-control]")) {
        input.addEventListener("input", () => this.draw());
        // Arrow keys step the focused control, never the deck.
        input.addEventListener("keydown", (event) => event.stopPropagation());
      }
      this.watchEdits();
    }

    load() {
      return loadScript(new URL(this.element.dataset.src, location.href).href).then(() => {
        this.data = window.lecturedeckExplorables[this.element.dataset.key];
        this.results = this.results || this.data.results;
        this.inputs = this.data.controls.map((c) =>
          this.element.querySelector(`[data-control="${CSS.escape(c.name)}"]`)
        );
      });
    }

    index() {
      let index = 0;
      this.data.controls.forEach((control, i) => {
        index = index * control.values.length + Number(this.inputs[i].value);
      });
      return index;
    }

    state() {
      const state = {};
      this.data.controls.forEach((control, i) => {
        state[control.name] = control.values[Number(this.inputs[i].value)];
      });
      return state;
    }

    draw() {
      if (!window.Plot || !this.data) return;
      const index = this.index();
      const spec = this.results[index];
      const xs = spec.marks.find((m) => m.x)?.x;
      const svg = Plot.plot({
        width: Number(this.element.dataset.width) || 900,
        height: HEIGHT,
        marginTop: 30,
        marginLeft: 70,
        marginBottom: 60,
        style: { fontSize: `${FONT_PX}px`, fontFamily: "Source Sans Pro, Helvetica, sans-serif" },
        x: { label: spec.x, domain: xs, padding: 0.25 },
        y: { label: spec.y, domain: spec.y_domain, grid: true },
        color: { type: "identity" },
        marks: marksOf(spec).flat(),
      });
      svg.setAttribute("aria-hidden", "true"); // the figure's role=img label describes it
      this.chart.replaceChildren(svg);
      this.data.controls.forEach((control, i) => {
        const input = this.inputs[i];
        const label = control.labels[Number(input.value)];
        if (input.type === "range") {
          input.setAttribute("aria-valuetext", `${control.name} = ${label}`);
          input.parentElement.querySelector("output").textContent = label;
        }
      });
      // What is drawn, for tests and `make check`: the control values and the marks' data.
      this.element.dataset.drawn = JSON.stringify(this.state());
      this.element.drawnSpec = spec;
    }

    // An edited function's values, printed by the live cell after a marker line.
    watchEdits() {
      const output = this.element.querySelector(".explorable-edit .live-output");
      if (!output) return;
      new MutationObserver(() => {
        const text = output.textContent;
        const at = text.lastIndexOf(MARKER);
        if (at < 0) return;
        try {
          const results = JSON.parse(text.slice(at + MARKER.length));
          if (!this.data || results.length !== this.data.results.length) return;
          this.results = results;
          this.element.dataset.edited = "1";
          this.draw();
          output.textContent =
            text.slice(0, at).replace(/\s+$/, "") ||
            `Redrawn from the edited function (${results.length} points).`;
        } catch (err) {
          output.textContent = "The edited function's values could not be read: " + err.message;
        }
      }).observe(output, { childList: true, characterData: true, subtree: true });
    }
  }

  function drawAll() {
    for (const figure of figures) figure.draw();
    window.__lecturedeckExplorablesDrawn = true;
  }

  function fail(err) {
    for (const figure of figures) {
      figure.chart.textContent = "The figure could not be drawn: " + err.message;
    }
    window.__lecturedeckExplorablesDrawn = true;
  }

  // Load the library when a slide with a figure is shown or is next to the one shown.
  function nearFigure() {
    if (!window.Reveal || !Reveal.isReady()) return true;
    const slides = Reveal.getSlides();
    const current = slides.indexOf(Reveal.getCurrentSlide());
    return [current - 1, current, current + 1].some(
      (i) => slides[i] && slides[i].querySelector(".explorable")
    );
  }

  let loading = null;
  function loadAll() {
    if (!loading) {
      loading = Promise.all([loadLibrary(), ...figures.map((f) => f.load())]).then(drawAll, fail);
    }
    return loading;
  }

  function maybeLoad() {
    if (!loading && nearFigure()) loadAll();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".explorable").forEach((el) => figures.push(new Figure(el)));
    if (!figures.length) {
      window.__lecturedeckExplorablesDrawn = true;
      return;
    }
    if (/print-pdf/.test(location.search)) {
      loadAll(); // every slide prints: draw the defaults now
    } else if (window.Reveal) {
      Reveal.on("ready", maybeLoad);
      Reveal.on("slidechanged", maybeLoad);
      if (Reveal.isReady()) maybeLoad();
    } else {
      loadAll();
    }
  });
})();
