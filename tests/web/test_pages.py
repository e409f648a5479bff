"""Every page this package renders passes the whole-suite page checks (tests/pagecheck.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import get_template
from django.test import Client
from django.urls import path

from contactpoint import urls as project_urls
from pagecheck import assert_good_html, check_html


def _forbidden(request):
    raise PermissionDenied


def _bad_request(request):
    raise SuspiciousOperation("a request the service cannot make sense of")


def _broken(request):
    raise RuntimeError("something went wrong in a view")


def _bad_page(request):
    return HttpResponse("<html><body><h1>One</h1><h1>Two</h1></body></html>")


def _json(request):
    return JsonResponse({"h1": "not a page"})


def _away(request):
    return HttpResponseRedirect("/test/bad-page/")


# A URLconf for these tests: the project's own URLs and error handlers, plus views that fail.
urlpatterns = [
    *project_urls.urlpatterns,
    path("test/forbidden/", _forbidden),
    path("test/bad-request/", _bad_request),
    path("test/broken/", _broken),
    path("test/bad-page/", _bad_page),
    path("test/json/", _json),
    path("test/away/", _away),
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def _h1(document) -> str:
    return " ".join("".join(document.find(".//h1").itertext()).split())


def test_start_page_says_what_the_service_is_and_links_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 200
    page = response.page
    assert _h1(page) == "Find out who else is working with a child"
    assert page.findtext("./head/title") == (
        "Find out who else is working with a child \N{EN DASH} ContactPoint"
    )
    start = page.find(".//a[@class='govuk-button govuk-button--start']")
    assert start.get("href") == "/sign-in/"
    assert "Sign in" in "".join(start.itertext())
    text = " ".join("".join(page.itertext()).split())
    assert "Who can use this service" in text
    assert "not a case file" in text


def test_base_template_has_the_govuk_frame(client):
    page = client.get("/").page

    assert page.find("./body[@class='govuk-template__body']") is not None
    skip = page.find(".//a[@class='govuk-skip-link']")
    assert skip.get("href") == "#main-content"
    assert page.find(".//main[@id='main-content']") is not None
    service = page.find(".//span[@class='govuk-service-navigation__service-name']/a")
    assert service.text.strip() == "ContactPoint"
    tag = page.find(".//strong[@class='govuk-tag govuk-phase-banner__content__tag']")
    assert tag.text.strip() == "Alpha"
    assert page.find(".//footer[@class='govuk-template__footer']") is not None
    icons = {link.get("rel"): link.get("href") for link in page.iter("link")}
    stylesheets = [link.get("href") for link in page.iter("link")
                   if link.get("rel") == "stylesheet"]
    # GOV.UK Frontend first, then the few styles of our own that build on it.
    assert stylesheets == ["/static/govuk/govuk-frontend.min.css", "/static/web/contactpoint.css"]
    assert client.get(stylesheets[1]).status_code == 200
    assert icons["manifest"] == "/static/govuk/assets/manifest.json"
    modules = [s for s in page.iter("script") if s.get("type") == "module"]
    assert len(modules) == 1
    assert 'from "/static/govuk/govuk-frontend.min.js"' in modules[0].text
    assert "initAll()" in modules[0].text


def test_unknown_address_gets_the_page_not_found_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert _h1(response.page) == "Page not found"


@pytest.mark.urls(__name__)
def test_permission_denied_gets_the_403_page(client, db):  # a page's request is a transaction
    response = client.get("/test/forbidden/")

    assert response.status_code == 403
    assert _h1(response.page) == "You do not have permission to see this page"


@pytest.mark.urls(__name__)
def test_bad_request_gets_the_400_page(client, db):
    response = client.get("/test/bad-request/")

    assert response.status_code == 400
    assert _h1(response.page) == "Sorry, there is a problem with your request"


@pytest.mark.urls(__name__)
def test_an_error_in_a_view_gets_the_500_page():
    response = Client(raise_request_exception=False).get("/test/broken/")

    assert response.status_code == 500
    page = response.page
    assert _h1(page) == "Sorry, there is a problem with the service"
    assert list(page.iter("script")) == []
    assert response.headers["Cache-Control"] == "no-store"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def _broken_context_processor(request):
    raise RuntimeError("a context processor failed")


@pytest.mark.urls(__name__)
def test_500_page_renders_when_the_context_processors_are_what_failed(settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    f"{__name__}._broken_context_processor",
                ]
            },
        }
    ]

    response = Client(raise_request_exception=False).get("/")

    assert response.status_code == 500
    assert _h1(response.page) == "Sorry, there is a problem with the service"


def test_500_template_renders_with_no_request_and_no_context():
    html = get_template("web/500.html").render()

    page = assert_good_html(html)
    assert _h1(page) == "Sorry, there is a problem with the service"
    assert "nonce" not in html


def test_a_form_sent_without_its_csrf_token_gets_the_form_expired_page(settings, audit_log):
    assert settings.CSRF_FAILURE_VIEW == "contactpoint.web.errors.csrf_failure"
    browser = Client(enforce_csrf_checks=True)
    browser.get("/sign-in/")  # the token's cookie is set; the form below leaves it out
    response = browser.post("/sign-in/", {"username": "someone", "password": "secret"})

    assert response.status_code == 403
    page = response.page
    assert _h1(page) == "Sorry, the form you sent has expired"
    assert page.findtext("./head/title").startswith("Sorry, the form you sent has expired")
    text = " ".join("".join(page.itertext()).split())
    assert "Go back to the page, reload it and try again" in text
    assert page.find(".//footer[@class='govuk-template__footer']") is not None
    for detail in ("CSRF", "csrf", "token", "Referer", "DEBUG", "Traceback"):
        assert detail not in text, detail
    # A refusal at a sign-in step is kept in the trail, by route (the form is not).
    (entry,) = audit_log()
    assert (entry["event"], entry["actor"]) == ("request:refused", None)
    assert entry["details"] == {"method": "POST", "route": "sign-in/", "status": 403}


def test_project_wires_the_govuk_error_handlers():
    assert project_urls.handler400 == "contactpoint.web.errors.bad_request"
    assert project_urls.handler403 == "contactpoint.web.errors.permission_denied"
    assert project_urls.handler404 == "contactpoint.web.errors.page_not_found"
    assert project_urls.handler500 == "contactpoint.web.errors.server_error"


# The checker itself must be able to fail.

_CSP = "default-src 'none'; script-src 'self' 'nonce-r4nd0m'"
_GOOD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Search \N{EN DASH} ContactPoint</title></head>
<body><main id="main-content"><h1>Search</h1>
<label for="family-name">Family name</label><input id="family-name" name="family_name">
<script nonce="r4nd0m">document.body.className += ' js-enabled';</script>
</main></body></html>"""


def test_checker_passes_a_good_page():
    assert_good_html(_GOOD, _CSP)


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (("<h1>Search</h1>", "<h1>Search</h1><h1>Results</h1>"), "exactly one <h1>, found 2"),
        (("<h1>Search</h1>", "<h2>Search</h2>"), "exactly one <h1>, found 0"),
        (("<title>Search", "<title>Find"), "does not start with the <h1>"),
        (('<main id="main-content">', '<main id="family-name">'), "duplicate id 'family-name'"),
        (('<script nonce="r4nd0m">', "<script>"), "without the response's CSP nonce"),
        (('<script nonce="r4nd0m">', '<script nonce="guessed">'), "without the response's CSP"),
        (('<html lang="en">', "<html>"), 'lang="en"'),
        (('<label for="family-name">Family name</label>', ""), "has no label"),
        (("<h1>", '<h1 onclick="go()">'), "inline event handler onclick"),
        (("<h1>", '<h1 style="color: red">'), "style attribute"),
        (("<!DOCTYPE html>\n", ""), "invalid HTML"),
        (("</main>", "</div></main>"), "invalid HTML"),
    ],
)
def test_checker_rejects_a_bad_page(breakage, expected):
    old, new = breakage
    assert old in _GOOD
    bad = _GOOD.replace(old, new, 1)

    _document, problems = check_html(bad, _CSP)
    assert any(expected in problem for problem in problems), problems
    with pytest.raises(AssertionError, match="the page has problems"):
        assert_good_html(bad, _CSP)


def test_checker_reports_every_problem_at_once():
    bad = (
        _GOOD.replace("<h1>Search</h1>", '<h1>Search</h1><h1 id="family-name">Again</h1>')
        .replace('<script nonce="r4nd0m">', "<script>")
    )

    with pytest.raises(AssertionError) as failure:
        assert_good_html(bad, _CSP)
    message = str(failure.value)
    assert "exactly one <h1>, found 2" in message
    assert "duplicate id 'family-name'" in message
    assert "without the response's CSP nonce" in message


def test_checker_rejects_scripts_when_the_policy_has_no_nonce():
    _document, problems = check_html(_GOOD, "default-src 'self'")
    assert problems == ["an inline <script> but the Content-Security-Policy has no script nonce"]


# Every test client checks every page it receives (tests/conftest.py), so a test that
# never looks at a page still fails when the page is bad.


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("make", [lambda client: client, lambda _client: Client()],
                         ids=["client fixture", "Client()"])
def test_a_bad_page_fails_the_request_that_received_it(client, db, make):
    with pytest.raises(AssertionError, match="GET /test/bad-page/: the page has problems"):
        make(client).get("/test/bad-page/")
    with pytest.raises(AssertionError, match="exactly one <h1>, found 2"):
        make(client).get("/test/away/", follow=True)


@pytest.mark.urls(__name__)
def test_json_and_redirects_are_not_pages(client, db):
    assert not hasattr(client.get("/test/json/"), "page")
    assert not hasattr(client.get("/test/away/"), "page")


def test_a_good_page_keeps_its_document_for_the_test(client):
    page = client.get("/").page
    assert _h1(page) == "Find out who else is working with a child"
