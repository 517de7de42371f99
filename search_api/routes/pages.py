"""The citizens' pages: the search page (`/`) and a document's page (`/documents/{id}`).

Both are rendered on the server from the same service functions the JSON API uses, so a
link to a query works without JavaScript; `static/search.js` only makes them quicker.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import QueryParams

from policy_search import documents
from policy_search import search as search_service
from policy_search.fields import all_fields, default_facets, field_names
from policy_search.schema import KIND_LABELS, Article, Kind, article_spans
from policy_search.search import InvalidRequest
from policy_search.store_query import MAX_QUERY_LENGTH, MAX_RESULT_WINDOW, SearchRequest, Sort, parse_day
from policy_search.stores import Store
from search_api.caching import REVALIDATE, conditional_response
from search_api.deps import StoreDep
from search_api.limits import rate_limit
from search_api.recording import record_search
from search_api.rendering import error_page, templates
from search_api.routes.documents import DocId

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 10
# The articles shown above the documents when the query is a question ("相关法条").
RELATED_ARTICLES = 5
RELATED_PASSAGE_LENGTH = 120
SORT_LABELS = {
    Sort.RELEVANCE: "按相关度", Sort.DATE: "发布日期（由新到旧）",
    Sort.DATE_ASC: "发布日期（由旧到新）", Sort.EFFECTIVE: "施行日期（由新到旧）",
}


def _facet_titles() -> dict[str, str]:
    return {field.name: field.label for field in all_fields()}


def _form_values(params: QueryParams) -> dict[str, Any]:
    """What the page's form sent, with empty fields treated as not given (a form sends them)."""
    def one(name: str) -> str:
        return (params.get(name) or "").strip()

    return {
        "q": one("q"),
        "page": one("page"),
        "sort": one("sort"),
        "date_from": one("date_from"),
        "date_to": one("date_to"),
        "current": one("current").lower() in ("true", "1", "on"),
        "field": one("field"),
        "filters": {name: [v for v in params.getlist(name) if v.strip()] for name in field_names()},
    }


def page_message(error: InvalidRequest) -> str:
    """What the search page tells a citizen of a parameter it cannot take, in Chinese (the API
    answers in English for developers), naming the parameter."""
    if error.parameter == "q":
        text = f"检索词过长，最多 {MAX_QUERY_LENGTH} 个字，请缩短后再试"
    elif error.parameter == "page":
        text = "页码有误，或已超出可以翻阅的范围，请缩小检索范围"
    elif error.parameter in ("date_from", "date_to"):
        text = "日期应写作 年-月-日（如 2021-04-12），起始日期不能晚于截止日期"
    elif error.parameter in field_names():
        text = f"筛选条件“{_facet_titles().get(error.parameter, error.parameter)}”的取值有误"
    else:
        text = "检索条件有误"
    return f"{text}（{error.parameter}）"


def _parse_date(name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return parse_day(value)
    except ValueError as error:
        raise InvalidRequest(name, str(error)) from None


def _parse_page(value: str) -> int:
    if not value:
        return 1
    if not (value.isascii() and value.isdigit()):  # "²".isdigit() is true, and int("²") fails
        raise InvalidRequest("page", f"{value!r} is not a page number")
    return int(value)


def _page_url(form: dict[str, Any], **changes: Any) -> str:
    """The page's URL with the same query and filters, some values changed."""
    pairs: list[tuple[str, str]] = []
    values = {**form, **changes}
    for name in ("q", "sort", "date_from", "date_to", "field"):
        if values[name]:
            pairs.append((name, values[name]))
    if values["current"]:
        pairs.append(("current", "true"))
    for name, selected in values["filters"].items():
        pairs.extend((name, value) for value in selected)
    if values.get("page") and str(values["page"]) != "1":
        pairs.append(("page", str(values["page"])))
    return "/?" + urlencode(pairs) if pairs else "/"


def _pages(current: int, last: int) -> list[int | None]:
    """Page numbers to link: the first, the last and two around the current one (None = gap)."""
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    pages: list[int | None] = []
    for number in shown:
        if pages and number - (pages[-1] or 0) > 1:
            pages.append(None)
        pages.append(number)
    return pages


@router.get("/", response_class=HTMLResponse, dependencies=[rate_limit("search")])
def search_page(request: Request, store: StoreDep) -> Response:
    form = _form_values(request.query_params)
    context: dict[str, Any] = {
        "form": form, "facet_titles": _facet_titles(), "sort_labels": {s.value: label for s, label in SORT_LABELS.items()},
        "result": None, "error": None, "page_url": lambda **changes: _page_url(form, **changes),
        "related_articles": [],
    }
    status_code = 200
    try:
        search_request = search_service.make_request(
            form["q"], page=_parse_page(form["page"]), size=PAGE_SIZE, sort=form["sort"] or None,
            filters=form["filters"], date_from=_parse_date("date_from", form["date_from"]),
            date_to=_parse_date("date_to", form["date_to"]), current=form["current"],
            facets=list(default_facets()), field=form["field"] or None, analyzer=store.analyzer,
        )
    except InvalidRequest as error:
        context["error"] = page_message(error)
        status_code = 400
    else:
        result = search_service.search_response(store, form["q"], search_request)
        record_search(request, form["q"], search_request, result, source="page")
        last_page = max(1, -(-result["total"] // PAGE_SIZE))
        context.update(result=result, related_articles=_related_articles(store, form, search_request, result),
                       pages=_pages(search_request.page, min(last_page, MAX_RESULT_WINDOW // PAGE_SIZE)))
    return templates.TemplateResponse(request, "search.html", context, status_code=status_code)


def _related_articles(store: Store, form: dict[str, Any], search: SearchRequest,
                      result: dict[str, Any]) -> list[dict[str, Any]]:
    """The best articles in force for a question, with the page's filters and dates ("相关法条"),
    on its first page: a keyword query is answered by the documents themselves."""
    if not result["question"] or result["page"] != 1:
        return []
    request = search_service.make_article_request(form["q"], size=RELATED_ARTICLES, filters=form["filters"],
                                                  analyzer=store.analyzer)
    request = replace(request, date_from=search.date_from, date_to=search.date_to)
    response = search_service.articles_response(store, form["q"], request, passage_length=RELATED_PASSAGE_LENGTH)
    return list(response["results"])[:RELATED_ARTICLES]  # a cited article comes on top of them


def _text_parts(body: str, articles: list[dict[str, str]]) -> list[dict[str, str]]:
    """The body cut into articles (each with its anchor) and the text around them (chapter
    headings, preambles), in reading order."""
    parts: list[dict[str, str]] = []
    position = 0
    for span in article_spans(body, [Article(**article) for article in articles]):
        if len(span) == 3:
            number, start, end = span
            # the article's number stands before its text in the body; the heading shows it
            before = body[position:start].rstrip().removesuffix(number).strip()
            if before:
                parts.append({"kind": "text", "text": before})
            parts.append({"kind": "article", "number": number, "text": body[start:end].strip()})
            position = end
        else:
            parts.append({"kind": "article", "number": span[0], "text": span[1]})
    if body[position:].strip():
        parts.append({"kind": "text", "text": body[position:].strip()})
    return parts


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, store: StoreDep, doc_id: DocId) -> Response:
    today = date.today()
    view = documents.document_view(store, doc_id, today)
    if view is None:
        return error_page(request, 404, f"没有编号为 {doc_id} 的文件，它可能已被删除，或链接有误。")
    current = next((v for v in view["versions"] if v["is_current"]), None)
    html = templates.get_template("document.html").render(
        request=request, doc=view, parts=_text_parts(view["body"], view["articles"]),
        current=current, facet_titles=_facet_titles(), kind_label=KIND_LABELS[Kind(view["kind"])], today=today,
    )
    return conditional_response(request, html.encode(), "text/html; charset=utf-8", REVALIDATE)
