// Deck behaviour added by lecturedeck. Figures load lazily (data-src), as their slide comes
// near; reveal.js centres a slide by its height when it lays it out, so lay out again once
// a figure has arrived, or the slide keeps the height it had without it.
(function () {
  "use strict";
  document.addEventListener(
    "load",
    (event) => {
      if (event.target.tagName === "IMG" && window.Reveal && Reveal.isReady()) Reveal.layout();
    },
    true, // load events do not bubble; listen while they travel down
  );
})();

// Landmarks: reveal.js marks its wrapper role="application", which makes the slides' own
// role="main" a landmark inside another. The wrapper becomes the page's one main landmark,
// holding the slides, the controls and the live region reveal.js announces slides in.
(function () {
  "use strict";
  const landmarks = () => {
    const wrapper = document.querySelector(".reveal");
    const slides = document.querySelector(".reveal .slides");
    if (wrapper) wrapper.setAttribute("role", "main");
    if (slides) slides.removeAttribute("role");
  };
  if (window.Reveal && Reveal.isReady && Reveal.isReady()) landmarks();
  else if (window.Reveal) Reveal.on("ready", landmarks);
})();

// Keyboard focus stays on the slide being shown: reveal.js keeps the slides near the current
// one in the page (hidden from view), so Tab would walk into their cells and quizzes. Every
// slide but the current one (and the stack holding it) is inert, except in the overview,
// where slides are picked by clicking them, and when printing, where every slide shows.
(function () {
  "use strict";
  if (!window.Reveal || /print-pdf/.test(window.location.search)) return;
  const update = () => {
    const current = Reveal.getCurrentSlide();
    const overview = Reveal.isOverview();
    for (const slide of document.querySelectorAll(".reveal .slides section")) {
      const shown = overview || !current || slide === current || slide.contains(current);
      slide.inert = !shown;
    }
  };
  for (const event of ["ready", "slidechanged", "overviewshown", "overviewhidden"]) {
    Reveal.on(event, update);
  }
  if (Reveal.isReady && Reveal.isReady()) update();
})();
