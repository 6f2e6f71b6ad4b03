// Render TeX to HTML with KaTeX, for the lecturedeck Sphinx extension.
//
// Protocol: one JSON request per line on stdin, {"tex": "...", "display": true},
// and one JSON reply per line on stdout, {"html": "..."} or {"error": "..."}.
// The process lives as long as the build that started it, so KaTeX loads once.
"use strict";
const katex = require(process.argv[2]);
const readline = require("readline");

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  let reply;
  try {
    const { tex, display } = JSON.parse(line);
    const html = katex.renderToString(tex, {
      displayMode: display,
      throwOnError: true,
      strict: "ignore",
      output: "htmlAndMathml",
    });
    reply = { html };
  } catch (err) {
    // One line: the excerpt after "at position N:" may span the formula's lines.
    reply = { error: String(err.message || err).replace(/\s*\n\s*/g, " ") };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
