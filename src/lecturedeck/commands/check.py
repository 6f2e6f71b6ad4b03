r"""``make check``: visit every slide of every built deck in Chromium and report what is wrong.

The decks are served on loopback and opened at their configured size (reveal.js ``width`` and
``height``), each slide shown with all its fragments. Per slide (deck, number, title) it reports:

* ``console``   console errors and uncaught exceptions;
* ``request``   failed requests (a missing file, an HTTP error);
* ``network``   anything the slide would load from another machine: listed so that an
  instructor knows before class what will not show offline, and blocked, so the check itself
  never touches the network. It does not fail the check on its own: remote media are the
  author's choice (the build warns of them too);
* ``image``     images that did not load;
* ``a11y``      serious and critical accessibility violations found by axe-core (WCAG 2 A
  and AA, and axe's best practices), one finding per rule with the elements it names;
* ``a11y-note`` moderate and minor ones: listed, not failing;
* ``alt``       images whose alt text is just their file name (what Sphinx writes when a deck
  gives none), which axe accepts;
* ``tex``       raw TeX in the visible text (``\begin{``, ``\frac``, ``\text{`` ...);
* ``math``      KaTeX or math error elements (``.katex-error``, ``.math-error``);
* ``explorable`` an explorable figure that is not drawn, or that a control does not redraw
  (each control is moved to another value and back);
* ``overflow``  an element whose box lies outside the slide box;
* ``text-size`` text rendered smaller than :data:`MIN_TEXT_PX`.

Speaker notes (``aside.notes``), KaTeX's hidden MathML copy and invisible elements are ignored.
Each slide is visited in one ``page.evaluate`` call on one page per deck: its explorables are
drawn and moved, the hand-written checks measure it, then axe audits the slide as reveal.js shows
it, with the other slides out of the document for that run, so that a slide costs the same in
a long deck as in a short one. It waits on events (fonts ready, images decoded, a figure
drawn), never for a fixed time. The first slide is audited with the whole page, so that
page-level rules (landmarks, the viewport's zoom, the language) are reported there, once per
deck. The table goes to stdout; the exit status is 1 when there is any finding but a notice.

    python -m lecturedeck.commands.check [--out _build/slides] [deck ...]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from lecturedeck.commands import browser
from lecturedeck.project import DECKS_OUT, VIEWPORT

# Smallest text the audience can still read: 14 px on the slide as shown on a screen of the
# deck's design size (1280x720), i.e. about 2% of the slide height; the white theme's body text
# is 42 px. A font's computed size is multiplied by reveal.js's scale (below 1 at the design
# size, because of the slide margin) before it is compared with this.
MIN_TEXT_PX = 14.0
# Sub-pixel rounding: an element may poke out of the slide box by this much (design px).
OVERFLOW_TOLERANCE_PX = 1.0
# Raw TeX that escaped rendering. Matched in visible text only.
RAW_TEX = (
    r"\\(?:begin|end)\{"
    r"|\\(?:d?frac|tfrac|sqrt|text|textbf|mathrm|mathbf|mathbb|mathcal|operatorname)\s*\{"
    r"|\\(?:left|right|sum|prod|int|cdot|times|leq|geq|neq|infty|partial)\b"
    r"|\\(?:alpha|beta|gamma|sigma|theta|lambda|mu|pi)\b"
    r"|\$\$"
)
# Kinds of finding that are reported but do not fail the check.
NOTICES = {"network", "a11y-note"}
# axe-core, from npm (package.json's devDependencies): injected into the page being checked.
AXE = Path("node_modules") / "axe-core" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}
# One axe run: the slide as reveal.js shows it, with every other slide, and every other
# slide's background, taken out of the document for the run; for the first slide, the whole
# page so left (page-level rules, reported once per deck), else the slide. axe reads the whole
# document on each run (its tree, and color-contrast's grid of every element), so without that
# a slide's audit costs as much as the deck is long (the 4.4 deck's first: 0.67 s, not 0.06 s).
# A slide or background with a frame stays, since a frame taken out and put back loads again.
# The stylesheets axe reads once (preload), on the first.
AXE_JS = """async ({index, whole}) => {
  const slide = Reveal.getSlides()[index];
  const moved = [];
  const background = slide.slideBackgroundElement;
  const keep = new Set();
  for (let s = slide; s && s.matches('section'); s = s.parentElement) keep.add(s);
  for (let b = background; b && b.matches('.slide-background'); b = b.parentElement) {
    keep.add(b);
  }
  const aside = (parent, kind) => {
    for (const s of [...parent.children]) {
      if (!s.matches(kind) || s === slide || s === background) continue;
      if (keep.has(s)) aside(s, kind);
      else if (!s.querySelector('iframe, object, embed')) {
        const mark = document.createComment('');
        s.replaceWith(mark);
        moved.push([mark, s]);
      }
    }
  };
  aside(document.querySelector('.reveal .slides'), 'section');
  const backgrounds = document.querySelector('.reveal .backgrounds');
  if (backgrounds) aside(backgrounds, '.slide-background');
  let result;
  try {
    result = await axe.run(whole ? document : slide, {resultTypes: ['violations'], preload: whole});
  } finally {
    for (const [mark, s] of moved) mark.replaceWith(s);
  }
  return result.violations.map(v => ({
    id: v.id, impact: v.impact || 'minor', help: v.help,
    targets: v.nodes.map(n => n.target.join(' ')),
    detail: ((n => n && (n.any[0] || n.all[0] || n.none[0]))(v.nodes[0]) || {}).message || '',
  }));
}"""
# The URLs of other machines: every URL but the served decks' own (and data: and blob: ones,
# which never leave the page). Matched by Playwright's driver, so that a local request is not
# held for a call to Python.
REMOTE = r"^(?!(?:{base}(?:[/?#]|$)|data:|blob:))"
# Console messages that only repeat a request failure, which is reported as such.
CONSOLE_DUPLICATES = ("Failed to load resource",)
# Elements whose content is never on screen, or is checked otherwise.
SKIP_SELECTOR = "aside.notes, .katex-mathml, script, style, template, noscript"

# One slide's checks, the slide shown with its fragments: measure.
SLIDE_JS = """async ({index, minText, tolerance, tex, skip}) => {
  const slide = Reveal.getSlides()[index];
  await document.fonts.ready;  // a slide shown for the first time may load a new font
  const images = [...slide.querySelectorAll('img')].filter(i => !i.closest(skip));
  const pending = images.filter(i => !i.complete);
  if (pending.length) {
    await Promise.race([
      Promise.allSettled(pending.map(i => i.decode())),  // loaded and decoded, or failed
      new Promise(done => setTimeout(done, 5000)),
    ]);
    Reveal.layout();
  }
  const findings = [];
  const add = (kind, message) => findings.push({kind, message});
  const scale = Reveal.getScale();
  const box = document.querySelector('.reveal .slides').getBoundingClientRect();
  const visible = {opacityProperty: true, visibilityProperty: true};
  const describe = el => {
    let s = el.tagName.toLowerCase();
    const cls = [...el.classList].filter(
      c => !['fragment', 'visible', 'current-fragment', 'present'].includes(c)).slice(0, 2);
    return cls.length ? s + '.' + cls.join('.') : s;
  };
  const overflow = [];
  let smallest = null;
  const visit = (el, clipped, reported) => {
    if (el.matches(skip)) return;
    const style = getComputedStyle(el);
    if (style.display === 'none') return;
    const shown = el.checkVisibility(visible);
    let over = reported;
    if (shown && !clipped && !reported) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 || r.height > 0) {
        const out = {left: box.left - r.left, right: r.right - box.right,
                     top: box.top - r.top, bottom: r.bottom - box.bottom};
        let side = null, most = tolerance;
        for (const [k, v] of Object.entries(out)) {
          if (v / scale > most) { side = k; most = v / scale; }
        }
        if (side) {
          overflow.push(`${describe(el)} by ${Math.round(most)} px at the ${side}`);
          over = true;
        }
      }
    }
    if (shown) {
      for (const n of el.childNodes) {
        if (n.nodeType === Node.TEXT_NODE && n.textContent.replace(/[\\s\\u200b\\u00a0]/g, '')) {
          const px = parseFloat(style.fontSize) * scale;
          if (px < minText && (!smallest || px < smallest.px)) {
            smallest = {px, what: describe(el), text: n.textContent.trim().slice(0, 40)};
          }
          break;
        }
      }
    }
    const clips = clipped || style.overflowX !== 'visible' || style.overflowY !== 'visible';
    for (const child of el.children) visit(child, clips, over);
  };
  for (const child of slide.children) visit(child, false, false);
  if (overflow.length) {
    const more = overflow.length > 3 ? ` (+${overflow.length - 3} more)` : '';
    add('overflow', 'content outside the slide: ' + overflow.slice(0, 3).join('; ') + more);
  }
  if (smallest) {
    add('text-size', `text at ${smallest.px.toFixed(1)} px (minimum ${minText}) in ` +
        `${smallest.what}: "${smallest.text}"`);
  }
  for (const img of images) {
    const src = img.getAttribute('src') || '';
    const shortSrc = src.length > 60 ? src.slice(0, 57) + '...' : src;
    // An image from another machine is a "network" finding, reported as its request is blocked.
    const local = new URL(img.currentSrc || img.src, location.href).origin === location.origin;
    if (local && !(img.complete && img.naturalWidth > 0)) {
      add('image', `image did not load: ${shortSrc}`);
    }
    const alt = (img.getAttribute('alt') || '').trim();
    const name = src.split(/[\\/?#]/).filter(Boolean).pop() || src;
    if (alt && (alt === src || alt.split('/').pop() === name)) {
      add('alt', `image alt text is only its file name: ${shortSrc}`);
    }
  }
  for (const e of slide.querySelectorAll('.katex-error, .math-error')) {
    if (e.closest('aside.notes')) continue;
    const why = (e.getAttribute('title') || e.textContent).trim().replace(/\\s+/g, ' ');
    add('math', `math error: ${why.slice(0, 100)}`);
  }
  // Text as one string: a highlighter may split "\\begin{" over several elements.
  const text = slide.cloneNode(true);
  text.querySelectorAll(skip + ', .katex-error, .math-error').forEach(e => e.remove());
  const flat = text.textContent;
  const m = new RegExp(tex).exec(flat);
  if (m) {
    const around = flat.slice(Math.max(0, m.index - 15), m.index + 35);
    add('tex', `raw TeX on the slide: "${around.replace(/\\s+/g, ' ').trim()}"`);
  }
  const urls = [...slide.querySelectorAll('[src]')].map(e => e.currentSrc || e.src);
  return {findings, urls};
}"""


# Explorable figures of the slide shown: wait until drawn, then move each control and see the
# figure redraw.
EXPLORABLE_JS = """async (index) => {
  const problems = [];
  // Drawn when the figure sets data-drawn: wait for that change, not in fixed steps.
  const drawn = figure => figure.dataset.drawn || new Promise(done => {
    const seen = new MutationObserver(() => figure.dataset.drawn && stop());
    const timer = setTimeout(() => stop(), 15000);
    const stop = () => { seen.disconnect(); clearTimeout(timer); done(); };
    seen.observe(figure, {attributes: true, attributeFilter: ['data-drawn']});
  });
  for (const figure of Reveal.getSlides()[index].querySelectorAll('.explorable')) {
    await drawn(figure);
    if (!figure.dataset.drawn) {
      problems.push('explorable figure never drawn (its charting library did not load)');
      continue;
    }
    for (const input of figure.querySelectorAll('[data-control]')) {
      const before = figure.dataset.drawn, original = input.value;
      const last = String(input.tagName === 'SELECT' ? input.options.length - 1 : input.max);
      input.value = input.value === last ? '0' : last;
      input.dispatchEvent(new Event('input', {bubbles: true}));
      if (figure.dataset.drawn === before || !figure.querySelector('.explorable-chart svg')) {
        problems.push(`moving ${input.dataset.control} does not redraw the figure`);
      }
      input.value = original;
      input.dispatchEvent(new Event('input', {bubbles: true}));
    }
  }
  return problems;
}"""

# A slide's visit in one call: the slide shown with its fragments, its explorables drawn and
# moved, then measured, then audited. Put in the page once (INSTALL_JS); each visit is a call.
VISIT_JS = f"""async (args) => {{
  const info = ({browser.SHOW_SLIDE_JS})(args.index);
  const moved = await ({EXPLORABLE_JS})(args.index);
  const result = await ({SLIDE_JS})(args);
  const audit = {{index: args.index, whole: args.index === 0}};
  const violations = args.axe ? await ({AXE_JS})(audit) : [];
  return {{...result, ...info, moved, violations}};
}}"""
INSTALL_JS = f"() => {{ window.lecturedeckVisit = {VISIT_JS}; }}"


@dataclass(frozen=True)
class Finding:
    """One problem on one slide. ``number`` 0 means the page as a whole (e.g. while loading)."""

    deck: str
    number: int
    title: str
    kind: str
    message: str


class _Watch:
    """Console errors and requests of one page, tagged with the slide being visited."""

    def __init__(self, page: object, base: str) -> None:
        self.base = base
        self.slide: int | None = None
        self.events: list[tuple[int | None, str, str, str | None]] = []
        self.blocked: set[str] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self._add("console", f"uncaught error: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def block(self, route: object) -> None:
        url = route.request.url
        self.blocked.add(url)
        self._add("network", f"needs the network (blocked here): {url}", url)
        route.abort("blockedbyclient")

    def _add(self, kind: str, message: str, url: str | None = None) -> None:
        self.events.append((self.slide, kind, message, url))

    def _console(self, msg: object) -> None:
        if msg.type == "error" and not msg.text.startswith(CONSOLE_DUPLICATES):
            self._add("console", f"console error: {msg.text}")

    def _failed(self, request: object) -> None:
        if request.url not in self.blocked:
            why = request.failure or "failed"
            self._add("request", f"request failed ({why}): {self._short(request.url)}", request.url)

    def _response(self, response: object) -> None:
        if response.status >= 400:
            url = response.url
            self._add("request", f"HTTP {response.status}: {self._short(url)}", url)

    def _short(self, url: str) -> str:
        return url[len(self.base) + 1 :] if url.startswith(self.base + "/") else url


def axe_findings(violations: list[dict], deck: str, number: int, title: str) -> list[Finding]:
    """One finding per axe rule violated on a slide."""
    found = []
    for v in violations:
        kind = "a11y" if v["impact"] in FAILING_IMPACTS else "a11y-note"
        where = ", ".join(v["targets"][:2]) + (
            f" (+{len(v['targets']) - 2} more)" if len(v["targets"]) > 2 else ""
        )
        detail = f"; {v['detail']}" if v["detail"] else ""
        message = f"{v['impact']} {v['id']}: {v['help']}: {where}{detail}"
        found.append(Finding(deck, number, title, kind, message))
    return found


def find_axe(out: Path) -> Path:
    """axe-core as npm installed it for the project whose decks are in ``out``."""
    for root in (out.resolve().parent.parent, Path.cwd()):
        if (root / AXE).is_file():
            return root / AXE
    raise FileNotFoundError(f"axe-core is not installed ({AXE}); run `make setup` (npm ci)")


def check_deck(
    context: object, base: str, name: str, axe: Path | None = None, *, watching: dict
) -> tuple[int, list[Finding]]:
    """Check one deck served at ``base``, in a new page of ``context``.

    ``context`` is the Playwright ``BrowserContext`` of :func:`run`, whose route hands a
    request to another machine to ``watching["watch"]``. Returns the deck's slide count and
    findings (``axe``: audit it too).
    """
    page = context.new_page()
    page.set_default_timeout(15000)
    watch = watching["watch"] = _Watch(page, base)
    findings: list[Finding] = []
    slides: list[dict] = []
    try:
        try:
            info = browser.open_deck(page, f"{base}/{name}")
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0]
            findings.append(
                Finding(name, 0, "(page load)", "console", f"deck did not start: {first}")
            )
            info = {"slides": 0}
        if axe is not None and info["slides"]:
            page.add_script_tag(path=str(axe))
        args = {
            "minText": MIN_TEXT_PX,
            "tolerance": OVERFLOW_TOLERANCE_PX,
            "tex": RAW_TEX,
            "skip": SKIP_SELECTOR,
        }
        if info["slides"]:
            page.evaluate(INSTALL_JS)
        for index in range(info["slides"]):
            watch.slide = index + 1
            visit = {**args, "index": index, "axe": axe is not None}
            result = page.evaluate("args => window.lecturedeckVisit(args)", visit)
            moved = result["moved"]
            findings += [
                Finding(name, result["number"], result["title"], "explorable", problem)
                for problem in moved
            ]
            slides.append(result)
            findings += [
                Finding(name, result["number"], result["title"], f["kind"], f["message"])
                for f in result["findings"]
            ]
            if axe is not None:
                violations = result["violations"]
                findings += axe_findings(violations, name, result["number"], result["title"])
        page.evaluate("0")  # let late events arrive
    finally:
        page.close()
    titles = {s["number"]: s["title"] for s in slides}
    for slide, kind, message, url in watch.events:
        # A resource belongs to the slide that uses it: Chromium asks again for a broken
        # image whenever its slide comes back into reveal.js's view distance.
        owner = next((s["number"] for s in slides if url and url in s["urls"]), slide)
        number = owner or 0
        finding = Finding(name, number, titles.get(number, "(page load)"), kind, message)
        if finding not in findings:
            findings.append(finding)
    findings.sort(key=lambda f: f.number)
    return len(slides), findings


def run(
    out: Path, decks: list[str] | None = None, *, chromium: object = None
) -> tuple[int, list[Finding]]:
    """Check the decks built in ``out``; return the number of slides visited and the findings.

    ``chromium`` is a Playwright ``Browser`` to use; by default one is launched.
    """
    paths = browser.deck_files(out, decks)
    axe = find_axe(out)
    total, findings = 0, []
    with browser.deck_session(out, chromium) as (base, chromium):
        # One context for every deck, each deck in a page of its own: a context costs about
        # 0.1 s to make. (A routed context keeps no HTTP cache: each deck loads its files.)
        context = chromium.new_context(viewport=VIEWPORT)
        watching: dict[str, _Watch] = {}
        context.route(
            re.compile(REMOTE.format(base=re.escape(base))),
            lambda route: watching["watch"].block(route),
        )
        try:
            for path in paths:
                name = path.relative_to(out).as_posix()
                count, found = check_deck(context, base, name, axe, watching=watching)
                total += count
                findings += found
        finally:
            context.close()
    return total, findings


def table(findings: list[Finding]) -> str:
    """The findings as a plain-text table."""
    rows = [("deck", "slide", "title", "kind", "finding")]
    for f in findings:
        title = f.title if len(f.title) <= 30 else f.title[:29] + "\u2026"
        rows.append((f.deck, str(f.number) if f.number else "-", title, f.kind, f.message))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for i, row in enumerate(rows):
        cells = [c.ljust(w) for c, w in zip(row[:4], widths, strict=True)]
        lines.append("  ".join([*cells, row[4]]).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in [*widths, len("finding")]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(DECKS_OUT), help="built decks")
    parser.add_argument("decks", nargs="*", help="deck names (default: every deck in --out)")
    args = parser.parse_args(argv)
    if browser.missing_decks("check", args.out, args.decks) or browser.stale_decks(
        "check", args.out
    ):
        return 2
    t0 = time.perf_counter()
    try:
        total, findings = run(args.out, args.decks or None)
    except (FileNotFoundError, browser.BrowserMissing) as exc:
        print(f"check: {exc}", file=sys.stderr)
        return 2
    took = time.perf_counter() - t0
    decks = len(browser.deck_files(args.out, args.decks or None))
    where = f"{total} slide(s) in {decks} deck(s)"
    if findings:
        print(table(findings))
    problems = [f for f in findings if f.kind not in NOTICES]
    online = len({(f.deck, f.number) for f in findings if f.kind == "network"})
    needs = f"; {online} slide(s) need the network" if online else ""
    if problems:
        print(f"check: {len(problems)} finding(s) on {where}{needs} ({took:.1f} s)")
        return 1
    print(f"check: {where}, no findings{needs} ({took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
