"""The search page, a document page and the widget in a real headless Chromium.

Driven by Playwright for Python with Debian's `chromium` (`executable_path`), against the
service running in uvicorn on loopback over the project's fixtures. The widget is loaded
by a host page on another origin: one in the service's CORS allow-list, one outside it.
Screenshots go to docs/screenshots/ (committed; the README and docs show them).

Skipped with a note where Chromium or Playwright is missing, unless
POLICY_SEARCH_REQUIRE_BROWSER=1 (as in CI), which makes that a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import pytest
from support.documents import hostile_documents, hostile_law
from support.paths import ROOT
from support.servers import ServedApp, StandInServer, free_port
from support.stores import index_fixtures, indexed_store

from indexer import Indexer
from policy_search.keys import KeyStore, Scope
from policy_search.settings import Settings
from policy_search.stores.sqlite import SQLiteStore
from search_api import create_app

# Screenshots go to policy-search-screenshots in the temporary folder, or, with
# POLICY_SEARCH_SCREENSHOTS=docs, to docs/screenshots for the README: a test run does not
# rewrite tracked files unless asked to.
SCREENSHOTS = (ROOT / "docs" / "screenshots" if os.environ.get("POLICY_SEARCH_SCREENSHOTS") == "docs"
               else Path(tempfile.gettempdir()) / "policy-search-screenshots")
CHROMIUM = os.environ.get("POLICY_SEARCH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE_BROWSER = os.environ.get("POLICY_SEARCH_REQUIRE_BROWSER") == "1"

if REQUIRE_BROWSER:
    import playwright.sync_api as playwright_api
else:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
expect = playwright_api.expect


PORTAL_NONCE = "portal-own-style"


def _strict_policy(service_url: str) -> str:
    """A strict portal's Content-Security-Policy: scripts and requests to the search service
    only, styles only its own (by nonce): no inline style of the widget's would pass."""
    return (f"default-src 'none'; script-src {service_url}; connect-src {service_url}; "
            f"style-src 'nonce-{PORTAL_NONCE}'; img-src 'self'")


def _host_page(service_url: str, query: str) -> bytes:
    """A portal's page embedding the widget with one script tag, restricted by the query's
    attributes (e.g. issuer=…), and themed with a custom property."""
    attributes = " ".join(f'{name}="{values[0]}"' for name, values in parse_qs(query).items())
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>某市人民政府门户网站</title>
<style nonce="{PORTAL_NONCE}">body{{font-family:sans-serif;margin:0}} header{{background:#a40e26;color:#fff;padding:1rem 2rem}}
main{{padding:1rem 2rem;max-width:720px}} policy-search-box{{--ps-accent:#a40e26}}</style></head>
<body><header><h1>某市人民政府 · 政策文件库</h1></header><main><h2>政策文件检索</h2>
<script src="{service_url}/widget.js" defer></script>
<policy-search-box endpoint="{service_url}" {attributes} size="5"></policy-search-box>
</main></body></html>""".encode()


class _Portal(StandInServer):
    """Another origin serving a host page; /?issuer=… sets the widget's attributes, and
    /strict/?… serves it under a strict Content-Security-Policy."""

    def __init__(self, service_url: str, port: int) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                body = _host_page(service_url, urlsplit(self.path).query)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if self.path.startswith("/strict/"):
                    self.send_header("Content-Security-Policy", _strict_policy(service_url))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        super().__init__(Handler, port)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        message = "Chromium was not found (apt-get install chromium): browser tests skipped"
        if REQUIRE_BROWSER:
            pytest.fail(message + " (POLICY_SEARCH_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict[str, str]]:
    """The service on the fixtures, and a portal on another port whose origin
    (http://127.0.0.1:PORT) is allowed; the same portal reached as http://localhost:PORT is
    another origin, not in the allow-list."""
    service_port, portal_port = free_port(), free_port()
    allowed = f"http://127.0.0.1:{portal_port}"
    folder = tmp_path_factory.mktemp("browser")
    for store in indexed_store("sqlite", folder, index_fixtures):
        settings = Settings(cors_origins=allowed, stats_file=str(folder / "stats.db"), keys_file=str(folder / "keys.db"))
        app = create_app(settings, store=store)
        with ServedApp(app, service_port) as service, _Portal(service.url, portal_port):
            yield {"service": service.url, "allowed_portal": allowed,
                   "other_portal": f"http://localhost:{portal_port}", "stats_file": settings.stats_file,
                   "keys_file": settings.keys_file}


def _csp_refusals(page) -> list[str]:
    """What the Content-Security-Policy of the pages shown refused (Chromium reports each
    refusal on the console): every page, the widget and /docs must need none."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    refused = _csp_refusals(page)
    yield page
    context.close()
    assert refused == [], refused


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


def _total(page) -> int:
    return int(page.locator("#total").inner_text())


def test_a_typed_query_gives_highlighted_results(page, site):
    page.goto(site["service"] + "/")
    page.get_by_role("combobox", name="检索词").fill("政务公开")
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("“政务公开”的检索结果")
    titles = page.locator(".result-title")
    expect(titles.first).to_be_visible()
    assert titles.count() >= 3
    marks = page.locator(".result-title mark, .snippet mark")
    assert "政务公开" in marks.all_inner_texts()
    assert "q=%E6%94%BF%E5%8A%A1%E5%85%AC%E5%BC%80" in page.url  # the URL holds the query
    # ranked by relevance like the API (the browse page's newest-first order is not kept)
    ranked = page.request.get(site["service"] + "/api/v1/search?q=政务公开").json()["results"]
    assert titles.all_inner_texts() == [hit["title"] for hit in ranked]
    badges = page.locator(".result .badge").all_inner_texts()
    assert "现行有效" in badges
    _screenshot(page, "search-desktop.png")


def test_suggestions_are_offered_and_chosen_with_the_keyboard(page, site):
    page.goto(site["service"] + "/")
    box = page.get_by_role("combobox", name="检索词")
    box.press_sequentially("专利法", delay=30)
    options = page.get_by_role("option")
    expect(options.first).to_have_text("中华人民共和国专利法实施细则")
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(box).to_have_value("中华人民共和国专利法实施细则")
    expect(page.locator(".result-title").first).to_contain_text("专利法实施细则")


def test_a_facet_narrows_results_and_counts_and_back_restores_them(page, site):
    page.goto(site["service"] + "/?q=" + "政府信息公开")
    before = _total(page)
    level = page.locator('[data-facet="level"] label.check', has_text="行政法规")
    count = int(level.locator(".count").inner_text())
    assert 0 < count < before
    other_facet_before = page.locator('[data-facet="kind"] .count').all_inner_texts()
    level.locator("input").check()
    expect(page.locator("#total")).to_have_text(str(count))
    assert "level=%E8%A1%8C%E6%94%BF%E6%B3%95%E8%A7%84" in page.url
    expect(page.locator('[data-facet="level"] input[value="行政法规"]')).to_be_checked()
    # the other facets now count only what is left
    after = [int(n) for n in page.locator('[data-facet="kind"] .count').all_inner_texts()]
    assert sum(after) == count and after != [int(n) for n in other_facet_before]
    for title in page.locator(".result .result-meta").all_inner_texts():
        assert "行政法规" in title
    page.go_back()
    expect(page.locator("#total")).to_have_text(str(before))
    expect(page.locator('[data-facet="level"] input[value="行政法规"]')).not_to_be_checked()


def test_the_first_page_of_results_is_rendered_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    refused = _csp_refusals(page)
    page.goto(site["service"] + "/?q=政务公开&level=地方规范性文件")
    assert _total(page) == 2
    assert page.locator(".result-title mark").count() >= 1
    context.close()
    assert refused == [], refused


def test_a_document_page_shows_its_version_timeline_and_the_version_in_force(page, site):
    page.goto(site["service"] + "/?q=专利法实施细则")
    page.locator(".result", has=page.locator(".badge", has_text="已被修改")).locator(".result-title a").click()
    expect(page.locator("h1")).to_have_text("中华人民共和国专利法实施细则")
    versions = page.locator(".versions .version")
    expect(versions).to_have_count(2)
    assert "已被修改" in versions.nth(0).inner_text() and "本页" in versions.nth(0).inner_text()
    assert "现行有效" in versions.nth(1).inner_text()
    notice = page.locator(".notice")
    expect(notice).to_contain_text("现行有效的版本是")
    metadata = dict(zip(page.locator(".metadata th").all_inner_texts(),
                        page.locator(".metadata td").all_inner_texts(), strict=True))
    assert metadata["效力级别"] == "行政法规" and metadata["时效性"].startswith("已被修改")
    assert page.locator('section.article[id="第一条"]').count() == 1
    _screenshot(page, "document.png")
    notice.get_by_role("link").click()
    expect(page.locator(".versions .this-version .badge")).to_have_text("现行有效")
    expect(page.locator(".notice")).to_have_count(0)


def test_an_article_anchor_scrolls_to_the_article(page, site):
    page.goto(site["service"] + "/?q=专利法实施细则")
    page.locator(".result-title a").first.click()
    page.goto(page.url + "#第十条")
    expect(page.locator('section.article[id="第十条"]')).to_be_in_viewport()



QUESTION = "申请公开政府信息多久能得到答复？"


def test_a_question_shows_related_articles_linking_to_the_marked_article(page, site):
    page.goto(site["service"] + "/")
    page.get_by_role("combobox", name="检索词").fill(QUESTION)
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", name="相关法条", level=2)
    expect(heading).to_be_visible()
    expect(heading).to_be_focused()  # a screen reader hears the answer first
    section = page.locator("section.related-articles")
    articles = section.locator(".article-hit")
    assert 3 <= articles.count() <= 5
    # above the documents, each with its law, status and a highlighted passage
    assert section.bounding_box()["y"] < page.locator("#results-heading").bounding_box()["y"]
    for item in articles.all():
        assert re.search(r"第[一二三四五六七八九十百千零]+条$", item.locator("h3 a").inner_text())
        assert item.locator(".badge").inner_text() == "现行有效"
    assert section.locator(".snippet mark").count() >= 3
    # every document result lists where it answers
    expect(page.locator(".result .result-articles a").first).to_be_visible()
    _screenshot(page, "search-question.png")
    link = articles.filter(has_text="中华人民共和国政府信息公开条例").first.locator("h3 a")
    number = link.inner_text().split()[-1]
    link.click()
    page.wait_for_url(re.compile(r"/documents/[^/#]+#"))
    expect(page.locator("h1")).to_have_text("中华人民共和国政府信息公开条例")
    article = page.locator(f'section.article[id="{number}"]')
    expect(article).to_be_in_viewport()
    expect(article).to_have_attribute("aria-current", "location")
    expect(article).to_be_focused()
    marked = article.evaluate("node => getComputedStyle(node).backgroundColor")
    other = page.locator("section.article:not([aria-current])").first.evaluate("node => getComputedStyle(node).backgroundColor")
    assert marked != other, (marked, other)
    assert page.locator("section.article[aria-current]").count() == 1
    _screenshot(page, "document-linked-article.png")
    # the keyboard continues from the article: Tab reaches a link after it
    page.keyboard.press("Tab")
    after = page.evaluate("document.activeElement.compareDocumentPosition(document.querySelector(`[aria-current]`))")
    assert after & 2, "the focus went before the article"  # DOCUMENT_POSITION_PRECEDING: the article is before
    # another article's own link moves the mark
    page.locator('section.article[id="第一条"] a.anchor').click()
    expect(page.locator('section.article[id="第一条"]')).to_have_attribute("aria-current", "location")
    assert page.locator("section.article[aria-current]").count() == 1


def test_related_articles_fit_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site["service"] + "/?" + urlencode({"q": QUESTION}))
    expect(page.locator("section.related-articles .article-hit").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    _screenshot(page, "search-question-mobile.png")
    context.close()


def test_a_keyword_query_shows_no_related_articles(page, site):
    page.goto(site["service"] + "/?q=政务公开")
    expect(page.locator(".result-title").first).to_be_visible()
    expect(page.get_by_role("heading", name="相关法条")).to_have_count(0)


def test_related_articles_are_rendered_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site["service"] + "/?" + urlencode({"q": QUESTION}))
    expect(page.locator("section.related-articles .article-hit").first).to_be_visible()
    link = page.locator("section.related-articles h3 a").first
    number = link.inner_text().split()[-1]
    link.click()
    article = page.locator(f'section.article[id="{number}"]')
    expect(article).to_be_in_viewport()
    assert article.evaluate("node => node.matches(':target')")  # marked by CSS alone
    context.close()


def _paragraph_boxes(page, article_id: str) -> tuple[dict, list[dict]]:
    article = page.locator(f'section.article[id="{article_id}"]')
    article.scroll_into_view_if_needed()
    return article.locator("h3").bounding_box(), [p.bounding_box() for p in article.locator("p").all()]


def test_every_paragraph_of_an_article_stands_in_its_text_column(browser, page, site):
    # 第三条 of the 政府信息公开条例 (fixtures) has four paragraphs (款)
    found = page.request.get(site["service"] + "/api/v1/current?title=中华人民共和国政府信息公开条例").json()
    page.goto(f"{site['service']}/documents/{found['id']}#第三条")
    number, paragraphs = _paragraph_boxes(page, "第三条")
    assert len(paragraphs) == 4
    first = paragraphs[0]
    assert abs(first["y"] - number["y"]) < number["height"]  # the text starts beside its number
    for above, below in zip(paragraphs, paragraphs[1:]):
        assert below["y"] >= above["y"] + above["height"]  # in reading order, one under another
    for paragraph in paragraphs:  # all in the text column, right of the number, as wide as the first
        assert paragraph["x"] >= number["x"] + number["width"], paragraph
        assert (paragraph["x"], paragraph["width"]) == (first["x"], first["width"])
    _screenshot(page, "document-articles.png")
    # on a phone the number stands above the text, every paragraph as wide as the page allows
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    small = phone.new_page()
    small.goto(f"{site['service']}/documents/{found['id']}#第三条")
    number, paragraphs = _paragraph_boxes(small, "第三条")
    assert len(paragraphs) == 4 and paragraphs[0]["y"] >= number["y"] + number["height"]
    assert len({(box["x"], box["width"]) for box in paragraphs}) == 1 and paragraphs[0]["width"] > 300
    phone.close()

def test_the_search_page_on_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    refused = _csp_refusals(page)
    page.goto(site["service"] + "/?q=政府信息公开")
    filters = page.locator("#filters")
    assert filters.get_attribute("open") is None  # folded away on a phone
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    _screenshot(page, "search-mobile.png")
    page.locator("#filters > summary").click()
    expect(page.locator('[data-facet="level"]')).to_be_visible()
    context.close()
    assert refused == [], refused


def _widget_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def test_the_widget_works_on_an_allowed_portal_and_talks_only_to_its_endpoint(page, site):
    requests = _widget_requests(page)
    page.goto(site["allowed_portal"] + "/?issuer=深圳市人民政府办公厅")
    box = page.get_by_role("combobox", name="搜索政策文件")
    box.press_sequentially("政策解读", delay=20)
    results = page.locator("policy-search-box").get_by_role("option")
    expect(results.first).to_be_visible()
    titles = results.all_inner_texts()
    assert titles and all("深圳" in title for title in titles), titles  # restricted to the issuer
    assert page.locator("policy-search-box mark").count() >= 1
    expect(page.locator("policy-search-box .status")).to_contain_text("共找到")
    # themed by the portal's CSS custom property, through the shadow root
    accent = page.locator("policy-search-box button").evaluate("button => getComputedStyle(button).backgroundColor")
    assert accent == "rgb(164, 14, 38)"
    _screenshot(page, "widget.png")
    origins = {f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in requests}
    assert origins == {site["allowed_portal"], site["service"]}, origins
    # keyboard: arrow to the first result, Enter opens its page on the service
    box.press("ArrowDown")
    expect(results.first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    page.wait_for_url(site["service"] + "/documents/**")
    assert "深圳" in page.locator("h1").inner_text()


def _recorded_click(site, search_id: str) -> dict:
    """The click recorded for a search, with its search's query and source: the beacon
    arrives when it does, and the service writes its rows a second later."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if Path(site["stats_file"]).exists():
            with sqlite3.connect(site["stats_file"]) as connection:
                connection.row_factory = sqlite3.Row
                found = connection.execute(
                    "SELECT c.*, s.query, s.source AS search_source FROM clicks AS c JOIN searches AS s "
                    "USING (search_id) WHERE search_id = ?", (search_id,)).fetchall()
            if found:
                assert len(found) == 1, [dict(row) for row in found]
                return dict(found[0])
        time.sleep(0.2)
    raise AssertionError(f"no click recorded for the search {search_id}")


def test_a_click_on_a_result_of_the_search_page_is_recorded(page, site):
    page.goto(site["service"] + "/")
    page.get_by_role("combobox", name="检索词").fill("政务公开")
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("“政务公开”的检索结果")  # in place of the browse page's
    results = page.locator(".result-list .result-title a")
    expect(results.nth(1)).to_be_visible()
    search_id = page.locator(".result-list").get_attribute("data-search-id")
    second = page.locator(".result-list .result").nth(1).get_attribute("data-id")
    results.nth(1).click()
    page.wait_for_url(site["service"] + "/documents/**")
    click = _recorded_click(site, search_id)
    assert (click["doc_id"], click["position"], click["source"]) == (second, 2, "page")
    assert (click["query"], click["search_source"]) == ("政务公开", "page")
    # on the next page, positions go on from the first page's
    page.goto(site["service"] + "/?kind=policy&page=2")
    search_id = page.locator(".result-list").get_attribute("data-search-id")
    first = page.locator(".result-list .result").first.get_attribute("data-id")
    page.locator(".result-list .result-title a").first.click()
    page.wait_for_url(site["service"] + "/documents/**")
    click = _recorded_click(site, search_id)
    assert (click["doc_id"], click["position"]) == (first, 11)


def test_a_click_on_a_result_of_the_widget_is_recorded(page, site):
    answers: list[dict] = []
    page.on("response", lambda response: answers.append(response.json())
            if "/api/v1/search?" in response.url and response.ok else None)
    page.goto(site["allowed_portal"] + "/strict/?issuer=深圳市人民政府办公厅")  # beacons pass the portal's policy
    page.get_by_role("combobox", name="搜索政策文件").press_sequentially("政策解读", delay=20)
    options = page.locator("policy-search-box").get_by_role("option")
    expect(options.nth(1)).to_be_visible()
    expect(page.locator("policy-search-box .status")).to_contain_text("共找到")
    shown = next(answer for answer in reversed(answers) if answer["query"] == "政策解读")
    assert [hit["title"] for hit in shown["results"]] == [text.split("\n")[0] for text in options.all_inner_texts()]
    options.nth(1).click()
    page.wait_for_url(site["service"] + "/documents/**")
    click = _recorded_click(site, shown["search_id"])
    assert (click["doc_id"], click["position"], click["source"]) == (shown["results"][1]["id"], 2, "widget")
    assert (click["query"], click["search_source"]) == ("政策解读", "widget")


def test_the_widget_shows_related_articles_for_a_question(page, site):
    page.goto(site["allowed_portal"] + "/")
    box = page.get_by_role("combobox", name="搜索政策文件")
    box.press_sequentially(QUESTION, delay=20)
    widget = page.locator("policy-search-box")
    group = widget.get_by_role("group", name="相关法条")
    expect(group).to_be_visible()
    rows = group.get_by_role("option")
    assert 1 <= rows.count() <= 3
    for row in rows.all():
        href = row.get_attribute("href")
        assert href.startswith(site["service"] + "/documents/") and "#%E7%AC%AC" in href, href  # #第…条
        assert re.search(r"第[一二三四五六七八九十百千零]+条", row.locator(".title").inner_text())
        assert row.locator(".badge").inner_text() == "现行有效"
    assert group.locator("mark").count() >= 1
    documents = widget.get_by_role("group", name="相关文件").get_by_role("option")
    expect(documents.first).to_be_visible()
    expect(widget.locator(".status")).to_contain_text("相关法条")
    _screenshot(page, "widget-question.png")
    # the first option is the first article; Enter opens it, marked, on the service's page
    box.press("ArrowDown")
    expect(rows.first).to_have_attribute("aria-selected", "true")
    number = unquote(rows.first.get_attribute("href").split("#", 1)[1])
    box.press("Enter")
    page.wait_for_url(site["service"] + "/documents/**")
    expect(page.locator(f'section.article[id="{number}"]')).to_have_attribute("aria-current", "location")


def test_a_cited_article_comes_first_on_the_page_and_in_the_widget(page, site):
    page.goto(site["service"] + "/?" + urlencode({"q": "民法典第1062条"}))
    cited = page.get_by_role("region", name="引用的条文")
    link = cited.get_by_role("link", name="中华人民共和国民法典 第一千零六十二条")
    expect(link).to_be_visible()
    expect(cited.locator(".badge")).to_have_text("现行有效")
    link.click()
    expect(page.locator('section.article[id="第一千零六十二条"]')).to_have_attribute("aria-current", "location")

    page.goto(site["service"] + "/?" + urlencode({"q": "民法典第9999条"}))
    expect(page.get_by_role("region", name="未找到引用的条文")).to_contain_text("没有第九千九百九十九条")

    page.goto(site["allowed_portal"] + "/")
    box = page.get_by_role("combobox", name="搜索政策文件")
    box.press_sequentially("个保法第13条", delay=20)
    first = page.locator("policy-search-box").get_by_role("group", name="相关法条").get_by_role("option").first
    expect(first.locator(".title")).to_have_text("中华人民共和国个人信息保护法 第十三条")
    box.fill("")
    box.press_sequentially("民法典第9999条", delay=20)
    expect(page.locator("policy-search-box .status")).to_contain_text("没有第九千九百九十九条")


def test_the_widget_shows_no_article_rows_for_keywords(page, site):
    page.goto(site["allowed_portal"] + "/")
    page.get_by_role("combobox", name="搜索政策文件").press_sequentially("政务公开", delay=20)
    widget = page.locator("policy-search-box")
    expect(widget.get_by_role("option").first).to_be_visible()
    expect(widget.get_by_role("group")).to_have_count(0)


def test_the_widget_is_refused_on_a_portal_outside_the_allow_list(page, site):
    refused: list[str] = []
    page.on("requestfailed", lambda request: refused.append(request.url))
    page.goto(site["other_portal"] + "/")
    page.get_by_role("combobox", name="搜索政策文件").press_sequentially("政务公开", delay=20)
    expect(page.locator("policy-search-box .status")).to_have_text("检索服务暂时无法访问，请稍后再试。")
    expect(page.locator("policy-search-box").get_by_role("option")).to_have_count(0)
    assert any("/api/v1/search" in url for url in refused)


def _violations(results) -> list[tuple[str, str, list]]:
    return [(rule["id"], rule["help"], [node["target"] for node in rule["nodes"]])
            for rule in results.response["violations"]]


WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.mark.parametrize("path", ["/?q=政府信息公开", "/?q=专利法实施细则&current=true", "/documents/{first}",
                                  f"/?q={QUESTION}", "/documents/{first}#第三条"])
def test_pages_meet_wcag_aa_as_checked_by_axe(page, site, path):
    """axe-core's WCAG 2.1 A/AA rules: labels, contrast, landmarks, ARIA, language."""
    from axe_playwright_python.sync_playwright import Axe

    if "{first}" in path:
        first = page.request.get(site["service"] + "/api/v1/search?q=滁政办电〔2019〕23号").json()["results"][0]
        path = path.format(first=first["id"])
    page.goto(site["service"] + path)
    assert _violations(Axe().run(page, options=WCAG_AA)) == []


def test_the_statistics_page_meets_wcag_aa_as_checked_by_axe(browser, site):
    """The staff's page, opened with an admin key (a browser sends it as a header it is
    given, e.g. by an extension), after a search that found nothing."""
    from axe_playwright_python.sync_playwright import Axe

    key = KeyStore(site["keys_file"]).create(Scope.ADMIN)[1]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  extra_http_headers={"Authorization": f"Bearer {key}"})
    page = context.new_page()
    refused = _csp_refusals(page)
    page.request.get(site["service"] + "/api/v1/search?q=zzqqxx")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the service writes its rows a second later
        page.goto(site["service"] + "/admin/stats")
        if "zzqqxx" in page.locator("#zero").inner_text():
            break
        time.sleep(0.3)
    expect(page.locator("h1")).to_have_text("检索统计：最近 30 天")
    expect(page.locator("#zero")).to_contain_text("zzqqxx")
    assert _violations(Axe().run(page, options=WCAG_AA)) == []
    _screenshot(page, "admin-stats.png")
    context.close()
    assert refused == [], refused


def test_the_widget_meets_wcag_aa_as_checked_by_axe(page, site):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(site["allowed_portal"] + "/")
    box = page.get_by_role("combobox", name="搜索政策文件")
    box.press_sequentially("政策解读", delay=20)
    expect(page.locator("policy-search-box").get_by_role("option").first).to_be_visible()
    assert _violations(Axe().run(page, context="policy-search-box", options=WCAG_AA)) == []
    box.fill(QUESTION)  # with the 相关法条 group
    expect(page.locator("policy-search-box").get_by_role("group", name="相关法条")).to_be_visible()
    assert _violations(Axe().run(page, context="policy-search-box", options=WCAG_AA)) == []


def test_widget_results_can_link_to_the_portals_own_pages(page, site):
    template = "https://www.example.gov.cn/zcwj?id={id}"
    page.goto(site["allowed_portal"] + "/?" + urlencode({"link-template": template, "kind": "interpretation"}))
    page.get_by_role("combobox", name="搜索政策文件").press_sequentially("解读", delay=20)
    options = page.locator("policy-search-box").get_by_role("option")
    expect(options.first).to_be_visible()
    hrefs = [option.get_attribute("href") for option in options.all()]
    assert all(href.startswith("https://www.example.gov.cn/zcwj?id=") for href in hrefs), hrefs
    assert len(hrefs) == 3  # the fixtures' three interpretations, and nothing else


def test_sort_and_pages_change_in_place_and_stay_in_the_url(page, site):
    page.goto(site["service"] + "/?kind=policy")
    newest_first = page.locator(".result-meta").all_inner_texts()
    page.get_by_label("排序").select_option("date_asc")
    expect(page).to_have_url(re.compile(r"sort=date_asc"))
    oldest_first = page.locator(".result-meta").all_inner_texts()
    assert oldest_first != newest_first
    dates = [re.search(r"发布 (\S+)", meta).group(1) for meta in oldest_first if "发布" in meta]
    assert dates == sorted(dates)
    page.get_by_role("navigation", name="分页").get_by_role("link", name="下一页").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator(".result-list")).to_have_attribute("start", "11")
    assert "sort=date_asc" in page.url and "kind=policy" in page.url
    page.go_back()
    expect(page.locator(".result-list")).to_have_attribute("start", "1")


# --- security: the Content-Security-Policy, hostile documents -------------------------------


def test_docs_work_offline_under_the_services_policy(page, site):
    """/docs: Swagger UI from the service's own files, nothing fetched from elsewhere."""
    elsewhere: list[str] = []

    def only_the_service(route) -> None:
        if route.request.url.startswith(site["service"]):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_service)
    page.goto(site["service"] + "/docs")
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    paths = set(operations.all_inner_texts())
    assert {"/api/v1/search", "/api/v1/documents/{doc_id}", "/api/v1/current"} <= {p.replace("\u200b", "") for p in paths}
    page.locator(".opblock-summary", has_text="/api/v1/suggest").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_placeholder("q").fill("中华人民共和国")
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table tbody td.response-col_status").first).to_have_text("200")
    assert elsewhere == []


def test_the_widget_works_on_a_portal_with_a_strict_policy(page, site):
    page.goto(site["allowed_portal"] + "/strict/?issuer=深圳市人民政府办公厅")
    box = page.get_by_role("combobox", name="搜索政策文件")
    box.press_sequentially("政策解读", delay=20)
    results = page.locator("policy-search-box").get_by_role("option")
    expect(results.first).to_be_visible()
    assert page.locator("policy-search-box mark").count() >= 1
    # its own stylesheet applies (a constructed one: the portal's policy refuses <style>)
    border = page.locator("policy-search-box input").evaluate("input => getComputedStyle(input).borderTopWidth")
    assert border == "2px"
    accent = page.locator("policy-search-box button").evaluate("button => getComputedStyle(button).backgroundColor")
    assert accent == "rgb(164, 14, 38)"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Iterator[dict[str, str]]:
    """The service over documents whose every field holds markup, and a portal for it."""
    portal_port = free_port()
    store = SQLiteStore(tmp_path_factory.mktemp("hostile") / "hostile.db")
    Indexer(store, progress=False).index_documents([*hostile_documents(), hostile_law()])
    app = create_app(Settings(cors_origins=f"http://127.0.0.1:{portal_port}"), store=store)
    with ServedApp(app) as service, _Portal(service.url, portal_port):
        yield {"service": service.url, "portal": f"http://127.0.0.1:{portal_port}"}
    store.close()


def _nothing_ran(page) -> None:
    assert page.evaluate("window.__xss === undefined"), page.evaluate("window.__xss")


def test_hostile_documents_stay_text_in_the_widget(page, hostile_site):
    page.goto(hostile_site["portal"] + "/")
    page.get_by_role("combobox", name="搜索政策文件").press_sequentially("政务公开", delay=20)
    results = page.locator("policy-search-box").get_by_role("option")
    expect(results.first).to_be_visible()
    titles = page.locator("policy-search-box .title").all_inner_texts()
    assert any("<script>" in title and "onerror" in title for title in titles), titles
    assert page.locator("policy-search-box .title img, policy-search-box .title script").count() == 0
    assert page.locator("policy-search-box .title mark").count() >= 1
    _nothing_ran(page)


def test_hostile_articles_stay_text_in_the_widget_and_on_the_pages(page, hostile_site):
    page.goto(hostile_site["portal"] + "/")
    page.get_by_role("combobox", name="搜索政策文件").press_sequentially("经营者的债务由谁承担？", delay=20)
    rows = page.locator("policy-search-box").get_by_role("group", name="相关法条").get_by_role("option")
    expect(rows.first).to_be_visible()
    assert "<script>" in rows.first.locator(".title").inner_text()
    assert "<script>" in rows.first.locator(".passage").inner_text()
    assert page.locator("policy-search-box .passage mark").count() >= 1
    assert page.locator("policy-search-box img, policy-search-box script").count() == 0
    _nothing_ran(page)
    page.goto(hostile_site["service"] + "/?" + urlencode({"q": "经营者的债务由谁承担？"}))
    related = page.locator("section.related-articles .article-hit")
    expect(related.first).to_contain_text("<script>")
    assert page.locator(".related-articles img, .related-articles script, .result-articles img").count() == 0
    related.first.locator("h3 a").click()
    expect(page.locator('section.article[id="第一条"]')).to_have_attribute("aria-current", "location")
    _nothing_ran(page)


def test_hostile_documents_stay_text_on_the_pages(page, hostile_site):
    page.goto(hostile_site["service"] + "/")
    page.get_by_role("combobox", name="检索词").press_sequentially("关于", delay=30)
    suggestions = page.locator("#suggestions").get_by_role("option")
    expect(suggestions.filter(has_text="<script>")).to_have_count(1)
    assert page.locator("#suggestions img, #suggestions script").count() == 0
    page.goto(hostile_site["service"] + "/?q=政务公开")
    expect(page.locator(".result-title").first).to_be_visible()
    assert page.locator(".result img, .result script").count() == 0
    page.locator(".result-title a", has_text="<script>").click()
    expect(page.locator("h1")).to_contain_text("<script>")
    # A javascript: "URL" is refused when the document is stored: no 来源 row, no link to click.
    expect(page.locator(".metadata th", has_text="来源")).to_have_count(0)
    assert page.locator("a[href^='javascript' i], a[href^='data' i]").count() == 0
    _nothing_ran(page)
    page.goto(hostile_site["service"] + "/?q=" + quote('"><script>window.__xss=1</script>'))
    expect(page.get_by_role("combobox", name="检索词")).to_have_value('"><script>window.__xss=1</script>')
    _nothing_ran(page)
