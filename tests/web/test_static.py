"""GOV.UK Frontend, built by `make static`, is served by WhiteNoise where the pages expect it.

These fail (rather than skip) when the build is missing: `make test` always builds first,
so a missing build means the build is broken, which CI must not pass over as a skip.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import contactpoint.web

BUILT = Path(contactpoint.web.__file__).parent / "static" / "govuk"


@pytest.fixture(autouse=True)
def _govuk_frontend_is_built():
    if not (BUILT / "govuk-frontend.min.css").is_file():
        pytest.fail(f"GOV.UK Frontend is not built in {BUILT}: run `make static`")


def _fetch(client, url):
    response = client.get(url)
    # Reading a streamed file to its end closes it (the test client wraps the iterator).
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_css_is_served_with_caching_not_no_store(client):
    response, body = _fetch(client, "/static/govuk/govuk-frontend.min.css")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert "no-store" not in response.headers["Cache-Control"]
    assert "max-age=" in response.headers["Cache-Control"]
    assert b".govuk-header" in body


def test_every_font_and_image_the_css_names_is_served(client):
    _response, css = _fetch(client, "/static/govuk/govuk-frontend.min.css")
    urls = set(re.findall(r'url\("?([^")]+)"?\)', css.decode()))

    assert any(url.endswith(".woff2") for url in urls)
    for url in urls:
        assert url.startswith("/static/govuk/assets/"), url
        response, body = _fetch(client, url)
        assert response.status_code == 200, url
        assert body


def test_javascript_is_an_es_module_served_as_javascript(client):
    response, body = _fetch(client, "/static/govuk/govuk-frontend.min.js")

    assert response.status_code == 200
    # Browsers refuse to run a module served with any other type.
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert b"initAll" in body
    assert b"export{" in body


def test_everything_the_base_template_links_to_is_served(client):
    page = client.get("/").page
    module = next(s for s in page.iter("script") if s.get("type") == "module")
    urls = [link.get("href") for link in page.iter("link")]
    urls += re.findall(r'from "([^"]+)"', module.text)

    assert len(urls) >= 7
    for url in urls:
        response, _body = _fetch(client, url)
        assert response.status_code == 200, url


def test_manifest_icons_are_served(client):
    response, body = _fetch(client, "/static/govuk/assets/manifest.json")
    icons = [icon["src"] for icon in json.loads(body)["icons"]]

    assert response.status_code == 200
    for src in icons:
        icon, _body = _fetch(client, f"/static/govuk/assets/{src}")
        assert icon.status_code == 200, src
