"""Who may use the browser interface, and what every answer carries (tests/browser.py serves it)."""
from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.request

from browser import check_accessible, serving, signed_in


def status_of(url: str, headers: dict | None = None, opener=None) -> int:
    try:
        with (opener or urllib.request.build_opener()).open(urllib.request.Request(url, headers=headers or {})) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_without_the_secret_nothing_is_answered(served_demo):
    assert status_of(served_demo.address("/")) == 401
    assert status_of(served_demo.address("/?token=not-this-runs")) == 403
    assert status_of(served_demo.address("/static/app.css")) == 401
    assert status_of(served_demo.url) == 401  # the secret's answer is a cookie, which this client does not keep
    keeps_cookies = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    assert status_of(served_demo.url, opener=keeps_cookies) == 200
    assert status_of(served_demo.address("/static/app.css"), opener=keeps_cookies) == 200


def test_the_month_page_signed_in_is_accessible(served_demo, browser):
    page = signed_in(browser, served_demo)
    assert page.url == served_demo.address("/")  # the secret is not left in the address
    assert page.locator("h1").inner_text() == "The month"
    check_accessible(page)


def test_a_cookie_of_another_run_is_refused(demo_made, served_demo, browser):
    page = signed_in(browser, served_demo)
    cookies = page.context.cookies()
    with serving(demo_made) as other:
        stranger = browser.new_context()
        stranger.add_cookies([{**cookie, "url": other.address("/")} for cookie in
                              [{"name": c["name"], "value": c["value"]} for c in cookies]])
        answer = stranger.new_page().goto(other.address("/"))
        assert answer.status == 401
