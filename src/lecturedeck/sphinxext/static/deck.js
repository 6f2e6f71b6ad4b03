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
