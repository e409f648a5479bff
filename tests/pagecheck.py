"""Checks every rendered page must pass (STYLE.md, "Tests"), made by every test client.

tests/conftest.py installs `checking_every_page` for the whole run: every HTML page a
Django test client (pytest-django's `client`, or any `django.test.Client`) receives is
checked before the test sees it, and a page with a problem fails the request with every
problem found, not just the first. The parsed document (an ElementTree element, HTML
elements without a namespace, SVG elements as `{http://www.w3.org/2000/svg}name`) is
kept on the response for the test's own assertions:

    def test_start_page(client):
        page = client.get("/").page

A page is a response whose Content-Type is text/html, with a body, that is not a
redirect and not a streamed file (`is_page`): the 200 pages and the GOV.UK error pages
alike. JSON, redirects, empty answers and static files have no `page`.

The checks, and why:
- valid HTML: html5lib in strict mode, so a stray `</div>` or a missing doctype fails;
- `<html lang="en">`, for screen readers' pronunciation;
- exactly one `<h1>`, and a `<title>` that starts with its text (after an optional
  "Error: ", GOV.UK's prefix for a form with errors), so the tab says what the page is;
- unique ids, and every `label for`, `aria-*` reference and `#fragment` link pointing
  at one that exists;
- every form control labelled (a `<label>`, `aria-label` or `aria-labelledby`);
- every `<script>` carrying the nonce from the response's Content-Security-Policy
  header, and no inline event handlers, `javascript:` URLs or inline styles, all of
  which the policy blocks: a page that relies on them is broken in the browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from xml.etree.ElementTree import Element

import html5lib
import pytest
from django.test import Client
from html5lib.constants import E as HTML5LIB_MESSAGES
from html5lib.html5parser import ParseError

#: Controls that need a label; other input types are buttons or carry no value a person types.
_UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}
#: Attributes whose value names other elements' ids (space-separated).
_ID_REFERENCES = ("aria-labelledby", "aria-describedby", "aria-controls", "aria-owns")
#: `<script type=...>` data blocks: never executed, so CSP (and the nonce) does not apply.
_DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
_URL_ATTRIBUTES = ("href", "src", "action", "formaction")


def csp_nonce(csp_header: str | None) -> str | None:
    """The nonce in a Content-Security-Policy header's script-src, if it has one."""
    for directive in (csp_header or "").split(";"):
        name, _, sources = directive.strip().partition(" ")
        if name == "script-src":
            match = re.search(r"'nonce-([^']+)'", sources)
            return match.group(1) if match else None
    return None


def is_page(response: Any) -> bool:
    """Whether a test-client response is a page the checks apply to (see above)."""
    content_type = response.headers.get("Content-Type", "")
    return (content_type.startswith("text/html") and not response.streaming
            and not 300 <= response.status_code < 400 and bool(response.content.strip()))


@contextmanager
def checking_every_page() -> Iterator[None]:
    """While open, every page a `django.test.Client` receives is checked and its document
    kept as `response.page`; one with a problem raises AssertionError from the request.

    `Client.request` is the one method every get, post, other verb and followed
    redirect of the test client goes through, so wrapping it reaches every client,
    however a test made it."""
    request = Client.request

    def request_and_check(self: Client, **environ: Any) -> Any:
        response = request(self, **environ)
        if is_page(response):
            where = f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '')}"
            response.page = assert_good_page(response, where=where)
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "request", request_and_check)
        yield


def assert_good_page(response: Any, where: str = "") -> Element:
    """Fail unless a Django test-client response is a good HTML page; return its document."""
    content_type = response.headers.get("Content-Type", "")
    assert content_type.startswith("text/html"), f"not an HTML page: {content_type!r}"
    html = response.content.decode(response.charset or "utf-8")
    return assert_good_html(html, csp_header=response.headers.get("Content-Security-Policy"),
                            where=where)


def assert_good_html(html: str, csp_header: str | None = None, where: str = "") -> Element:
    """Fail unless `html` passes every check, given the CSP header it would be sent with."""
    document, problems = check_html(html, csp_header)
    if problems:
        raise AssertionError(
            f"{where}: " * bool(where) + "the page has problems:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
    return document


def check_html(html: str, csp_header: str | None = None) -> tuple[Element, list[str]]:
    """Parse `html` and return the document with the list of problems found in it."""
    document, problems = _parse(html)
    elements = [el for el in document.iter() if isinstance(el.tag, str)]
    problems += _language(document)
    problems += _heading_and_title(document)
    problems += _ids_and_references(elements)
    problems += _labels(document, elements)
    problems += _csp(elements, csp_nonce(csp_header))
    return document, problems


def _parse(html: str) -> tuple[Element, list[str]]:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        return parser.parse(html), []
    except ParseError:
        (line, column), code, data = parser.errors[-1]
        message = HTML5LIB_MESSAGES.get(code, code) % (data or {})
        source = html.splitlines()[line - 1].strip() if 0 < line <= html.count("\n") + 1 else ""
        problem = f"invalid HTML at line {line}, column {column}: {message} (in {source[:120]!r})"
        # Carry on with a forgiving parse, so the other checks still report.
        lenient = html5lib.HTMLParser(namespaceHTMLElements=False)
        return lenient.parse(html), [problem]


def _text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _language(document: Element) -> list[str]:
    lang = document.get("lang")
    return [] if lang == "en" else [f'<html> must have lang="en", not {lang!r}']


def _heading_and_title(document: Element) -> list[str]:
    problems = []
    headings = document.findall(".//h1")
    if len(headings) != 1:
        texts = ", ".join(repr(_text(h)) for h in headings) or "none"
        problems.append(f"expected exactly one <h1>, found {len(headings)} ({texts})")
    titles = document.findall("./head/title")
    if len(titles) != 1:
        problems.append(f"expected exactly one <title> in <head>, found {len(titles)}")
    if len(headings) == 1 and len(titles) == 1:
        heading, title = _text(headings[0]), _text(titles[0])
        if not heading:
            problems.append("the <h1> is empty")
        elif not title.removeprefix("Error: ").startswith(heading):
            problems.append(f"<title> {title!r} does not start with the <h1> {heading!r}")
    return problems


def _ids_and_references(elements: list[Element]) -> list[str]:
    problems = []
    ids: set[str] = set()
    for el in elements:
        element_id = el.get("id")
        if element_id is None:
            continue
        if not element_id or any(c.isspace() for c in element_id):
            problems.append(f"<{_name(el)}> has an invalid id {element_id!r}")
        elif element_id in ids:
            problems.append(f"duplicate id {element_id!r}")
        ids.add(element_id)
    for el in elements:
        references = [("for", el.get("for"))] if _name(el) == "label" else []
        references += [(attr, ref) for attr in _ID_REFERENCES for ref in el.get(attr, "").split()]
        href = el.get("href", "")
        if _name(el) == "a" and href.startswith("#") and len(href) > 1:
            references.append(("href", href[1:]))
        problems += [
            f'<{_name(el)} {attr}="{ref}"> points at no element with that id'
            for attr, ref in references
            if ref and ref not in ids
        ]
    return problems


def _labels(document: Element, elements: list[Element]) -> list[str]:
    parents = {child: parent for parent in document.iter() for child in parent}
    labelled_ids = {el.get("for") for el in elements if _name(el) == "label"}
    problems = []
    for el in elements:
        name = _name(el)
        if name not in {"input", "select", "textarea"}:
            continue
        if name == "input" and el.get("type", "text").lower() in _UNLABELLED_INPUT_TYPES:
            continue
        if el.get("aria-label", "").strip() or el.get("aria-labelledby", "").strip():
            continue
        if el.get("id") and el.get("id") in labelled_ids:
            continue
        ancestor = parents.get(el)
        while ancestor is not None and _name(ancestor) != "label":
            ancestor = parents.get(ancestor)
        if ancestor is None:
            problems.append(f"<{name} name={el.get('name')!r} id={el.get('id')!r}> has no label")
    return problems


def _csp(elements: list[Element], nonce: str | None) -> list[str]:
    """What the Content-Security-Policy would block, so the page would not work."""
    problems = []
    for el in elements:
        name = _name(el)
        if name == "script" and el.get("type", "").lower() not in _DATA_SCRIPT_TYPES:
            what = f"<script src={el.get('src')!r}>" if el.get("src") else "an inline <script>"
            if nonce is None:
                problems.append(f"{what} but the Content-Security-Policy has no script nonce")
            elif el.get("nonce") != nonce:
                problems.append(f"{what} without the response's CSP nonce")
        if name == "style":
            problems.append("a <style> element: the Content-Security-Policy blocks inline styles")
        for attr, value in el.attrib.items():
            if attr.lower().startswith("on"):
                problems.append(f"<{name}> has an inline event handler {attr}")
            elif attr.lower() == "style":
                problems.append(f"<{name}> has a style attribute: CSP blocks inline styles")
            elif attr.lower() in _URL_ATTRIBUTES and _is_javascript_url(value):
                problems.append(f"<{name}> has a javascript: URL in {attr}")
    return problems


def _is_javascript_url(value: str) -> bool:
    return re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith("javascript:")


def _name(element: Element) -> str:
    """The tag without html5lib's namespace for SVG and MathML elements."""
    return element.tag.rpartition("}")[2]
