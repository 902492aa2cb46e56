"""The README points into the documentation, and its pointers hold.

The README is short: its long sections live in the guide (docs/), and it links
to their sources. These tests keep those links from rotting when a page is
renamed, and keep the README's list of guide pages complete when one is added.
(Its ``>>>`` examples run as doctests through setup.cfg's testpaths; .ci/run
reads its two commands.)
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def _readme_text():
    # Lines kept in an HTML comment (pages still to come) are not links yet.
    return re.sub(r"<!--.*?-->", "", README.read_text(encoding="utf-8"), flags=re.S)


def _relative_links(text):
    """Targets of the Markdown links and pictures that point inside the repository."""
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]


def _rst_section_ids(path):
    """The ids docutils (and GitHub) give the section titles of an RST file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    ids = set()
    for title, underline in zip(lines, lines[1:], strict=False):  # each line with the one below it
        is_underline = re.fullmatch(r"([=\-~^\"'`#*+])\1{2,}", underline.strip())
        if title.strip() and is_underline and len(underline.strip()) >= len(title.strip()):
            ids.add(re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"))
    return ids


def test_readme_links_and_pictures_exist():
    links = _relative_links(_readme_text())
    assert len(links) >= 15, f"only {len(links)} links into the repository: {links}"
    problems = []
    for link in links:
        path, _, fragment = link.partition("#")
        target = ROOT / path
        if not target.exists():
            problems.append(f"{link}: no file {path}")
        elif fragment and target.suffix == ".rst" and fragment not in _rst_section_ids(target):
            problems.append(f"{link}: {path} has no section {fragment!r}")
    assert not problems, "\n".join(problems)


def test_readme_lists_every_guide_page():
    toctree = (ROOT / "docs" / "guide" / "index.rst").read_text(encoding="utf-8")
    # The toctree's entries: indented names after the directive, up to the next directive or comment.
    block = toctree.split(".. toctree::", 1)[1].split("\n..", 1)[0]
    pages = re.findall(r"^ {3}(\w+)\s*$", block, flags=re.M)
    assert len(pages) >= 10, pages
    links = set(_relative_links(_readme_text()))
    missing = [p for p in pages if f"docs/guide/{p}.rst" not in links]
    assert not missing, f"guide pages the README's Documentation list does not link: {missing}"


def test_section_id_reader():
    # The helper the first test relies on, on a title of each common kind.
    page = ROOT / "docs" / "install.rst"
    ids = _rst_section_ids(page)
    assert {"installing", "two-commands-on-a-fresh-machine", "first-call-jit-compilation"} <= ids, ids
