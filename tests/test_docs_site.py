"""The documentation site: its examples run, and the built site holds together.

* The guide's ``>>>`` examples run as doctests (the README's, moved there,
  stay tested when the README is trimmed).
* On a built site (``python -m sphinx -W docs docs/_build/html``): every link
  and picture inside the site resolves, anchors included, and no page needs
  the internet to render.
* In headless Chromium (Debian's ``chromium``): the front page and every
  gallery page render with text, their pictures load and their style sheets
  apply; a screenshot of each lands in ``docs/_build/screenshots`` for a
  person to look at.

Without a built site, or without Chromium, these tests are skipped with the
reason, except what ``FASTSOM_DOCS_REQUIRED`` names (``site``, ``browser``,
comma-separated; CI's docs step sets it): its absence is a failure, so a site
that CI built is never "checked" by skipping.
"""

import doctest
import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SITE = Path(os.environ.get("FASTSOM_DOCS_HTML", DOCS / "_build" / "html"))
SCREENSHOTS = SITE.parent / "screenshots"
REQUIRED = set(os.environ.get("FASTSOM_DOCS_REQUIRED", "").split(","))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

#: Flags for a root user on a machine without a network (see Chromium's
#: --headless docs): no sandbox, no GPU, none of the background requests that
#: a closed network refuses, a fresh profile per run.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--mute-audio"]

GUIDE_PAGES = sorted(p for p in DOCS.rglob("*.rst") if "_build" not in p.parts and ">>> " in p.read_text())


def _need(condition, what, reason):
    if not condition:
        if what in REQUIRED:
            pytest.fail(f"{reason} (FASTSOM_DOCS_REQUIRED names {what!r})")
        pytest.skip(reason)


def _need_site():
    _need((SITE / "index.html").is_file(), "site",
          f"no built site at {SITE}: run python -m sphinx -W docs docs/_build/html")


# --------------------------------------------------------------- guide examples


@pytest.mark.parametrize("page", GUIDE_PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_guide_examples_run(page):
    pytest.importorskip("matplotlib")  # the guide's plotting examples
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE,
                              raise_on_error=False, verbose=False)
    assert result.attempted > 0, f"{page}: no example ran"
    assert result.failed == 0, f"{page}: {result.failed} of {result.attempted} examples failed (see above)"


def test_guide_has_examples():
    # The parametrized test above would pass vacuously on an empty list.
    names = {p.relative_to(DOCS).as_posix() for p in GUIDE_PAGES}
    assert {"guide/first_map.rst", "guide/files.rst", "guide/quality.rst"} <= names, names


# ------------------------------------------------------- links, with a parser


class _Page(HTMLParser):
    """The ids a page defines, the URLs it refers to, and its cross-references that found no target."""

    def __init__(self):
        super().__init__()
        self.ids = set()
        self.refs = []
        self.unresolved = []
        self._in_link = 0

    def handle_endtag(self, tag):
        if tag == "a" and self._in_link:
            self._in_link -= 1

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._in_link += 1
        # Sphinx renders a role whose target it did not find (:func:`typo`)
        # as the same code span, outside any link, and warns only in nitpicky mode.
        if "xref" in attrs.get("class", "").split() and not self._in_link:
            self.unresolved.append(attrs["class"])
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) is not None:
                self.refs.append((tag, key, attrs[key], attrs))


@functools.cache
def _parse(path):
    page = _Page()
    page.feed(Path(path).read_text(encoding="utf-8"))
    return page


def _site_pages(site):
    # _static holds the theme's template fragments, not pages.
    return sorted(p for p in Path(site).rglob("*.html") if "_static" not in p.relative_to(site).parts)


def site_problems(site):
    """Broken links, missing pictures and resources from the internet, over every page of ``site``."""
    problems = []
    for path in _site_pages(site):
        page = _parse(path)
        for tag, key, url, attrs in page.refs:
            parts = urlsplit(url)
            where = f"{path.relative_to(site)}: <{tag} {key}={url!r}>"
            if parts.scheme or url.startswith("//"):
                # A link out is fine; a page that must fetch a script, a style
                # sheet or a picture to render is not (readers may be offline).
                if parts.scheme in ("http", "https", "") and _fetched(tag, attrs):
                    problems.append(f"{where}: fetched from the internet")
                continue
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            if not target.exists():
                problems.append(f"{where}: no such file")
                continue
            if target.is_dir():
                target = target / "index.html"
                if not target.exists():
                    problems.append(f"{where}: folder without index.html")
                    continue
            if parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _parse(target).ids:
                    problems.append(f"{where}: no id {parts.fragment!r} in {target.relative_to(site)}")
            if tag == "img" and target.stat().st_size == 0:
                problems.append(f"{where}: empty picture")
    return problems


def _fetched(tag, attrs):
    """True for an element whose URL the browser fetches to render the page."""
    if tag == "link":
        return bool(set(attrs.get("rel", "").split()) & {"stylesheet", "preload", "icon", "modulepreload"})
    return tag in ("script", "img", "iframe", "source", "video", "audio")


def test_site_links_and_pictures_resolve():
    _need_site()
    pages = _site_pages(SITE)
    gallery = [p for p in pages if p.parent.name == "auto_examples" and p.name.startswith("plot_")]
    assert len(pages) > 50 and len(gallery) >= 9, f"{len(pages)} pages, {len(gallery)} gallery pages"
    problems = site_problems(SITE)
    assert not problems, "\n".join(problems[:40])


def test_guide_cross_references_resolve():
    # The API pages come from docstrings that may name private modules; the
    # pages written for readers may not point into the void.
    _need_site()
    written = [p for p in _site_pages(SITE)
               if p.name in ("index.html", "install.html") or p.parent.name in ("guide", "auto_examples")]
    unresolved = {str(p.relative_to(SITE)): _parse(p).unresolved for p in written if _parse(p).unresolved}
    assert len(written) > 20 and not unresolved, unresolved


def test_link_check_finds_broken_links(tmp_path):
    # The checker itself, on a two-page site with every kind of fault.
    (tmp_path / "a.html").write_text('<p id="here"><a href="b.html#there">ok</a> <a href="#here">ok</a>'
                                     '<a href="missing.html">x</a> <a href="b.html#nowhere">x</a>'
                                     '<img src="pic.png"> <script src="https://cdn.example/x.js"></script>'
                                     '<a href="https://example.org/">fine</a>')
    (tmp_path / "b.html").write_text('<h1 id="there">b</h1>')
    (tmp_path / "pic.png").write_bytes(b"")
    problems = site_problems(tmp_path)
    assert len(problems) == 4, problems
    assert "missing.html" in problems[0] and "nowhere" in problems[1]
    assert "empty picture" in problems[2] and "internet" in problems[3]


def test_every_public_name_has_a_page():
    _need_site()
    import fastsom
    import fastsom.compat

    names = [f"fastsom.{name}" for name in fastsom.__all__ if name != "__version__"]
    names += [f"fastsom.compat.{name}" for name in fastsom.compat.__all__]
    missing = [name for name in names if not (SITE / "generated" / f"{name}.html").is_file()]
    assert len(names) > 10 and not missing, f"no API page for {missing}"


# ---------------------------------------------------------- in a real browser

#: Injected into each page the test asks for (``?check``): once the page and
#: its pictures have loaded, it writes what it found (text, pictures, style
#: sheets with their rules) as JSON into a hidden element of the page, which
#: Chromium's --dump-dom prints; the same run's screenshot shows the page.
CHECK_SCRIPT = """<script>
window.addEventListener("load", () => {
  const main = document.querySelector("main") || document.body;
  const sheets = Array.from(document.querySelectorAll('link[rel="stylesheet"]'));
  const found = JSON.stringify({
    title: document.title,
    text: main.innerText.trim().length,
    images: Array.from(document.images).map(i => [i.getAttribute("src"), i.complete && i.naturalWidth > 0]),
    sheets: sheets.map(s => [s.getAttribute("href"), s.sheet !== null && s.sheet.cssRules.length > 0]),
  });
  const out = document.createElement("pre");
  out.id = "fastsom-check";
  out.hidden = true;
  out.textContent = found;
  document.body.appendChild(out);
});
</script>"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        if parts.query == "check" and parts.path.endswith(".html"):
            page = Path(self.directory) / unquote(parts.path).lstrip("/")
            text = page.read_text(encoding="utf-8")
            body = text.replace("</body>", CHECK_SCRIPT + "</body>", 1).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served_site():
    """The built site over HTTP on the loopback, as a reader's browser gets it."""
    _need_site()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _chromium(*args):
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)
    return done


def browser_report(base, page, screenshot):
    """What the browser found on ``page`` (a path inside the site), as a dict; its screenshot to ``screenshot``."""
    done = _chromium("--window-size=1280,1600", "--virtual-time-budget=15000", f"--screenshot={screenshot}",
                     "--dump-dom", f"{base}/{page}?check")
    found = re.search(r'<pre id="fastsom-check"[^>]*>(.*?)</pre>', done.stdout, re.S)
    assert found, f"{page}: the check did not finish\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


def _browser_pages():
    if not (SITE / "auto_examples").is_dir():
        return ["index.html"]
    return ["index.html", "auto_examples/index.html",
            *sorted(f"auto_examples/{p.name}" for p in (SITE / "auto_examples").glob("plot_*.html"))]


@pytest.mark.parametrize("page", _browser_pages())
def test_page_renders_in_chromium(served_site, page):
    _need(CHROMIUM is not None, "browser", "no Chromium (Debian: apt-get install chromium)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / (page.replace("/", "-").removesuffix(".html") + ".png")
    report = browser_report(served_site, page, shot)
    assert report["text"] > 200, f"{page}: {report['text']} characters of text: {report}"
    assert report["images"], f"{page}: no picture"
    broken = [src for src, ok in report["images"] if not ok]
    assert not broken, f"{page}: pictures that did not load: {broken}"
    unstyled = [href for href, ok in report["sheets"] if not ok]
    assert report["sheets"] and not unstyled, f"{page}: style sheets that did not load: {unstyled or 'none'}"

    # The screenshot is for a person to look at; a blank page would be one colour.
    Image = pytest.importorskip("PIL.Image")
    with Image.open(shot) as picture:
        colours = picture.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 100, f"{page}: the screenshot has {len(colours)} colours"
