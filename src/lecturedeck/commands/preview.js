// `make preview`'s page script, added by the preview server to every page it serves.
//
// After each good build the server says, over a websocket, which pages changed and how:
// {"pages": {"a.html": how}}. A page that is not named is left alone. `how` is
// * {"count": N, "slides": {index: html}}: swap in the top-level slides that changed;
// * {"all": [html, ...]}: the number of slides changed; replace them all;
// * "reload": reload the page (more than its slides changed, a figure or served file
//   changed, or a live cell or explorable figure is involved: their scripts set them up once).
// The deck stays on the slide being looked at: swapped slides keep reveal.js's indices, and
// a reload keeps them in the URL (#/h/v, the decks' `hash` setting).
(function () {
  "use strict";

  const here = decodeURIComponent(location.pathname.replace(/^\/+/, "")) || "index.html";
  const slidesOf = () => [...document.querySelectorAll(".reveal .slides > section")];

  function reload() {
    location.reload();
  }

  function apply(how) {
    if (how === "reload" || !window.Reveal || !Reveal.isReady()) return reload();
    const { h, v, f } = Reveal.getIndices();
    if (how.all) {
      document.querySelector(".reveal .slides").innerHTML = how.all.join("");
    } else {
      const shown = slidesOf();
      if (shown.length !== how.count) return reload();
      for (const [index, html] of Object.entries(how.slides)) shown[Number(index)].outerHTML = html;
    }
    Reveal.sync();
    Reveal.slide(h, v, f);
    window.dispatchEvent(new CustomEvent("lecturedeck-preview-updated"));
  }

  function connect(again) {
    const socket = new WebSocket(`ws://${location.host}/_preview/events`);
    socket.onopen = () => {
      if (again) reload(); // the preview restarted: the page may be out of date
    };
    socket.onmessage = (event) => {
      const how = (JSON.parse(event.data).pages || {})[here];
      if (how === undefined) return;
      try {
        apply(how);
      } catch (error) {
        console.error("preview: could not update the page in place; reloading", error);
        reload();
      }
    };
    socket.onclose = () => setTimeout(() => connect(true), 1000);
  }
  connect(false);
})();
