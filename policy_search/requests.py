"""What a user asked for, validated and understood: the store request of a search or an
article search. Shared by the HTTP API, the CLI and the citation resolver."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from analyzers import Analyzer, shipped_analyzer
from analyzers.query import parse_query, question_terms, statutory_expansions
from policy_search.fields import default_facets, field_names, get_field
from policy_search.store_query import MAX_PAGE_SIZE, MAX_QUERY_LENGTH, MAX_RESULT_WINDOW, Scope, SearchRequest, Sort


class InvalidRequest(ValueError):
    """A parameter users gave is not acceptable; the message says which and why."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


def make_request(
    q: str = "",
    *,
    page: int = 1,
    size: int = 10,
    sort: str | None = None,
    filters: dict[str, list[str]] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    valid_on: date | None = None,
    current: bool = False,
    facets: str | list[str] | None = None,
    field: str | None = None,
    analyzer: Analyzer | None = None,
) -> SearchRequest:
    """Validate what a user asked for and turn it into a store request. `analyzer`: the
    one the store was written with (`store.analyzer`; default: the shipped one)."""
    q = q.strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidRequest("q", f"the query is {len(q)} characters long; at most {MAX_QUERY_LENGTH} are allowed")
    if page < 1:
        raise InvalidRequest("page", "pages start at 1")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidRequest("size", f"size must be between 1 and {MAX_PAGE_SIZE}")
    if page * size > MAX_RESULT_WINDOW:
        raise InvalidRequest("page", f"results beyond the first {MAX_RESULT_WINDOW} cannot be paged to; narrow the query")
    try:
        sort_order = Sort(sort) if sort else (Sort.RELEVANCE if q else Sort.DATE)
    except ValueError:
        raise InvalidRequest("sort", f"unknown sort {sort!r}; use one of {', '.join(s.value for s in Sort)}") from None
    if date_from and date_to and date_from > date_to:
        raise InvalidRequest("date_from", "date_from is after date_to")
    clean_filters: dict[str, list[str]] = {}
    for name, values in (filters or {}).items():
        if name not in field_names():
            raise InvalidRequest(name, "not a filter field")
        values = [v.strip() for v in values if v and v.strip()]
        choices = get_field(name).choices
        allowed = {choice.value for choice in choices} if choices else None
        for value in values:
            if allowed and value not in allowed:
                raise InvalidRequest(name, f"unknown value {value!r}; use one of {', '.join(sorted(allowed))}")
        if values:
            clean_filters[name] = list(dict.fromkeys(values))
    facet_fields = _facet_fields(facets)
    try:
        scope = Scope(field or "all")
    except ValueError:
        raise InvalidRequest("field", f"unknown field {field!r}; use one of {', '.join(s.value for s in Scope)}") from None
    analyzer = analyzer or shipped_analyzer()
    parsed = parse_query(q, analyzer)
    return SearchRequest(
        terms=parsed.terms,
        text=parsed.text,
        phrases=parsed.phrases,
        excluded=parsed.excluded,
        scope=scope,
        doc_number_key=parsed.doc_number_key,
        any_terms=parsed.any_terms,
        expansions=parsed.expansions,
        marks=_marks(parsed.terms, parsed.text, analyzer, parsed.expansions),
        page=page,
        size=size,
        sort=sort_order,
        filters=clean_filters,
        date_from=date_from,
        date_to=date_to,
        valid_on=valid_on or date.today(),
        current=current,
        facets=facet_fields,
    )


def _facet_fields(facets: str | list[str] | None) -> tuple[str, ...]:
    if facets is None:
        return default_facets()
    names = facets.split(",") if isinstance(facets, str) else facets
    names = [n.strip() for n in names if n.strip()]
    unknown = [n for n in names if n not in field_names()]
    if unknown:
        raise InvalidRequest("facets", f"unknown facet {unknown[0]!r}; use any of {', '.join(field_names())}")
    return tuple(dict.fromkeys(names))


def _marks(terms: list[str], text: str, analyzer: Analyzer, expansions: dict[str, list[list[str]]]) -> list[str]:
    """The words to mark: the query's words, the dictionary words inside them and the
    statutory words they stand for."""
    if not text:
        return []
    inner = [t for t in analyzer.index_tokens(text) if len(t) > 1 and (t in terms or not terms or len(terms) < 4)]
    statutory = ["".join(words) for alternatives in expansions.values() for words in alternatives]
    return list(dict.fromkeys([*terms, *inner, *statutory]))


def as_question(request: SearchRequest, analyzer: Analyzer) -> SearchRequest:
    """The request read as a question (ANY mode), its terms those that carry meaning."""
    terms = question_terms(request.text, analyzer) or request.terms
    return replace(request, any_terms=True, terms=terms, expansions=statutory_expansions(terms, analyzer),
                   marks=_marks(terms, request.text, analyzer, statutory_expansions(terms, analyzer)))


def make_article_request(q: str, *, page: int = 1, size: int = 10, filters: dict[str, list[str]] | None = None,
                         valid_on: date | None = None, current: bool = True,
                         analyzer: Analyzer | None = None) -> SearchRequest:
    """An article search: a question is read as one (ANY mode) whatever its form, since an
    article rarely holds every word typed; by default only versions in force."""
    request = make_request(q, page=page, size=size, filters=filters, valid_on=valid_on, current=current,
                           facets=[], analyzer=analyzer)
    if request.doc_number_key:
        request = replace(request, doc_number_key=None)
    return request if request.any_terms else as_question(request, analyzer or shipped_analyzer())


