"""`policy-search`: the command line, thin over the library."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from policy_search import __version__
from policy_search.settings import get_settings


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policy-search", description="Search Chinese government policy documents.")
    parser.add_argument("--version", action="version", version=f"policy-search {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def with_store(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--store", help="store URL (default: $POLICY_SEARCH_STORE or sqlite:///var/policy-search.db)")

    index = commands.add_parser("index", help="ingest files and folders")
    with_store(index)
    index.add_argument("paths", nargs="+", metavar="PATH")
    index.add_argument("--report", type=Path, help="write the failures as JSON to this file")
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.add_argument("--workers", type=_positive_int, default=None,
                       help="processes that parse and segment (default: the number of cores)")

    serve = commands.add_parser("serve", help="run the HTTP API, search page and widget")
    with_store(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1,
                       help="server processes (default 1; one per core serves the most searches a second)")

    search = commands.add_parser("search", help="search from the terminal")
    with_store(search)
    search.add_argument("query", nargs="?", default="")
    for field in ("issuer", "level", "status", "kind", "doc_type", "topic", "region", "year"):
        search.add_argument(f"--{field.replace('_', '-')}", dest=field, action="append", default=[],
                            help=f"filter by {field} (repeat for OR)")
    search.add_argument("--sort")
    search.add_argument("--page", type=int, default=1)
    search.add_argument("--size", type=int, default=10)
    search.add_argument("--valid-on", type=_iso_date)
    search.add_argument("--current", action="store_true", help="only versions in force")
    search.add_argument("--json", action="store_true", help="print the API's JSON")
    search.add_argument("--field", choices=["all", "title"], help="where the words must occur")

    current = commands.add_parser("current", help="the version in force of a regulation, today or on a day")
    with_store(current)
    current.add_argument("title", help="full or short title, e.g. 公司法")
    current.add_argument("--on", type=_iso_date, help="the day, YYYY-MM-DD (default today)")
    current.add_argument("--json", action="store_true", help="print the API's JSON")

    inspect = commands.add_parser("inspect", help="print the record a file gives (JSON), without indexing it")
    inspect.add_argument("paths", nargs="+", metavar="PAGE")
    return parser


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _store_url(args: argparse.Namespace) -> str:
    return args.store or get_settings().store


def cmd_index(args: argparse.Namespace) -> int:
    from indexer import Indexer
    from policy_search.stores import open_store

    store = open_store(_store_url(args), get_settings().index)
    summary = Indexer(store, progress=False if args.quiet else None, workers=args.workers).index_paths(args.paths)
    print(summary.describe())
    for failure in summary.failed:
        print(f"  failed: {failure.path}: {failure.reason}", file=sys.stderr)
    if args.report:
        args.report.write_text(
            json.dumps([f.__dict__ for f in summary.failed], ensure_ascii=False, indent=2), encoding="utf-8"
        )
    return 1 if summary.failed else 0


def cmd_serve(args: argparse.Namespace) -> int:
    if args.store:
        os.environ["POLICY_SEARCH_STORE"] = args.store
        get_settings.cache_clear()
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    from search_api.server import serve

    serve(args.host, args.port, args.workers)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from policy_search import search as search_service
    from policy_search.stores import open_store

    store = open_store(_store_url(args), get_settings().index)
    filters = {f: getattr(args, f) for f in ("issuer", "level", "status", "kind", "doc_type", "topic", "region", "year")}
    request = search_service.make_request(
        args.query, page=args.page, size=args.size, sort=args.sort, filters=filters,
        valid_on=args.valid_on, current=args.current, field=args.field,
    )
    response = search_service.search(store, args.query, request)
    if args.json:
        print(json.dumps(response, ensure_ascii=False, indent=2))
        return 0
    print(f"{response['total']} results ({response['took_ms']} ms)")
    for number, item in enumerate(response["results"], start=request.offset + 1):
        meta = " · ".join(x for x in (
            "、".join(item["issuers"]), item["doc_number"], item["publish_date"], item["status_label"]) if x)
        print(f"{number:>3}. {item['title']}\n     {meta}\n     id {item['id']}")
    return 0


def cmd_current(args: argparse.Namespace) -> int:
    from policy_search import documents
    from policy_search.stores import open_store

    store = open_store(_store_url(args), get_settings().index)
    day = args.on or date.today()
    try:
        doc = documents.current_document(store, args.title, day)
    except documents.NoVersionInForce as error:
        print(error, file=sys.stderr)
        return 1
    view = documents.document_view(store, doc.id, day)
    if args.json:
        print(json.dumps(view, ensure_ascii=False, indent=2))
        return 0
    meta = " · ".join(x for x in ("、".join(view["issuers"]), view["doc_number"], view["publish_date"]) if x)
    print(f"{view['title']} ({view['status_label']} on {day.isoformat()})\n  {meta}\n  id {view['id']}")
    print("  versions: " + ", ".join(f"{v['publish_date']} {v['status_label']}" for v in view["versions"]))
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    """What the indexer reads from each file, as JSON: for staff checking their site's pages."""
    from indexer.errors import ParseError
    from indexer.pipeline import PARSERS
    from policy_search.schema import public_fields

    failed = 0
    for path in map(Path, args.paths):
        parser = PARSERS.get(path.suffix.lower())
        try:
            if parser is None:
                raise ParseError(f"unsupported file type {path.suffix or '(none)'}")
            docs = parser(path)
        except (ParseError, OSError) as error:
            print(f"{path}: {getattr(error, 'strerror', None) or error}", file=sys.stderr)
            failed += 1
            continue
        for doc in docs:
            record = {**public_fields(doc, date.today()), "interprets_ref": doc.interprets_ref}
            print(json.dumps(record, ensure_ascii=False, indent=2))
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    from policy_search.search import InvalidRequest
    from policy_search.stores import StoreError

    args = build_parser().parse_args(argv)
    handler = {"index": cmd_index, "serve": cmd_serve, "search": cmd_search, "current": cmd_current,
               "inspect": cmd_inspect}[args.command]
    try:
        return handler(args)
    except InvalidRequest as error:
        print(f"policy-search: {error}", file=sys.stderr)
        return 2
    except StoreError as error:
        print(f"policy-search: store error: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
