"""`policy-search`: the command line, thin over the library."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from analyzers import DataFileError, analyzer_for
from analyzers.synonyms import RuleConflict, add_synonym, read_synonyms
from indexer import Failure, FileLimits, Indexer, RunFailed
from indexer.files import PARSERS, prepare_file
from policy_search import __version__, documents
from policy_search import search as search_service
from policy_search.fields import all_fields, field_names
from policy_search.keys import KeyStore, KeysUnavailable, Scope
from policy_search.schema import public_fields
from policy_search.search import InvalidRequest
from policy_search.settings import get_settings
from policy_search.stats import SearchStats, export
from policy_search.stats import report as stats_report
from policy_search.stats.candidates import Candidate, candidate_for, propose, short_form
from policy_search.stats.export import TABLE_NAMES
from policy_search.stats.recording import StatsUnavailable
from policy_search.store_query import MAX_PAGE_SIZE
from policy_search.stores import Store, StoreError, StoreMissing, open_store
from search_api.server import CannotListen, serve


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
    index.add_argument("--workers", type=_whole_number(1), default=None,
                       help="processes that parse and segment (default: the number of cores)")

    serve = commands.add_parser("serve", help="run the HTTP API, search page and widget")
    with_store(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_whole_number(1, 65535), default=8000)
    serve.add_argument("--workers", type=_whole_number(1), default=1,
                       help="server processes (default 1; one per core serves the most searches a second)")

    search = commands.add_parser("search", help="search from the terminal")
    with_store(search)
    search.add_argument("query", nargs="?", default="")
    for field in all_fields():
        search.add_argument(f"--{field.name.replace('_', '-')}", dest=field.name, action="append", default=[],
                            help=f"filter by {field.name} ({field.label}; repeat for OR)")
    search.add_argument("--sort")
    search.add_argument("--page", type=_whole_number(1), default=1)
    search.add_argument("--size", type=_whole_number(1, MAX_PAGE_SIZE), default=10)
    search.add_argument("--valid-on", type=_iso_date)
    search.add_argument("--current", action="store_true", help="only versions in force")
    search.add_argument("--json", action="store_true", help="print the API's JSON")
    search.add_argument("--field", choices=["all", "title"], help="where the words must occur")

    current = commands.add_parser("current", help="the version in force of a regulation, today or on a day")
    with_store(current)
    current.add_argument("title", help="full or short title, e.g. 公司法")
    current.add_argument("--on", type=_iso_date, help="the day, YYYY-MM-DD (default today)")
    current.add_argument("--json", action="store_true", help="print the API's JSON")

    reindex = commands.add_parser("reindex", help="segment every indexed document again with today's words, online")
    with_store(reindex)
    reindex.add_argument("--report", type=Path, help="write the documents whose tokens changed as JSON to this file")

    inspect = commands.add_parser("inspect", help="print the record a file gives (JSON), without indexing it")
    inspect.add_argument("paths", nargs="+", metavar="PAGE")
    _add_keys_parser(commands)

    _add_stats_parser(commands, with_store)
    return parser


def _add_stats_parser(commands, with_store: Callable[[argparse.ArgumentParser], None]) -> None:
    stats = commands.add_parser("stats", help="what citizens searched for: top queries, no results, clicks; "
                                "short forms to add")
    with_store(stats)  # the titles the short forms are proposed from
    stats.add_argument("--days", type=_whole_number(1), default=30, help="the last N days (default 30)")
    stats.add_argument("--limit", type=_whole_number(1), default=20, help="queries per list (default 20)")
    stats.add_argument("--stats-file", help="default: $POLICY_SEARCH_STATS_FILE or var/policy-search-stats.db")
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    stats.add_argument("--csv", choices=TABLE_NAMES, help="print one table as CSV")
    actions = stats.add_subparsers(dest="stats_command")
    accept = actions.add_parser("accept", help="add the short form proposed for a query to the synonym file")
    # here too, as after `stats`: a default here would replace the value given there
    accept.add_argument("--store", default=argparse.SUPPRESS, help="store URL, as for `stats`")
    accept.add_argument("query", help="the query, as the statistics show it (e.g. 个保法)")
    accept.add_argument("--as", dest="long", help="the words it stands for (default: the proposed ones)")
    accept.add_argument("--synonyms-file", help="default: $POLICY_SEARCH_SYNONYMS, the file the service reads")


def _add_keys_parser(commands) -> None:
    keys = commands.add_parser("keys", help="API keys of the write API, and its audit log")
    keys.add_argument("--keys-file", help="the keys file (default: $POLICY_SEARCH_KEYS_FILE or var/policy-search-keys.db)")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    create = actions.add_parser("create", help="make a key and print it (once: it is stored only hashed)")
    create.add_argument("--scope", choices=[scope.value for scope in Scope], required=True,
                        help="write: put and delete documents; admin: that and administration")
    create.add_argument("--issuer", help="only documents naming this issuer (e.g. 莆田市人民政府办公室)")
    create.add_argument("--note", help="what the key is for (shown by `keys list`)")
    actions.add_parser("list", help="the keys: id, scope, issuer, created, revoked")
    revoke = actions.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id", metavar="ID")
    audit = actions.add_parser("audit", help="the audit log of writes, newest first")
    audit.add_argument("--key", dest="key_id", help="only this key's writes")
    audit.add_argument("--limit", type=_whole_number(1), default=50)
    audit.add_argument("--json", action="store_true", help="one JSON object a line")


def _whole_number(minimum: int, maximum: int | None = None):
    """An argparse type for a number option: says what is wrong with what was given
    (`argument --port: 99999 is out of range: use 1–65535`)."""
    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if maximum is not None and not minimum <= number <= maximum:
            raise argparse.ArgumentTypeError(f"{number} is out of range: use {minimum}–{maximum}")
        if number < minimum:
            raise argparse.ArgumentTypeError(f"{number} is too small: use {minimum} or more")
        return number

    return parse


def _open_store(args: argparse.Namespace, read_only: bool = False) -> Store:
    """The store the command works on, with this deployment's dictionary and synonyms."""
    settings = get_settings()
    return open_store(args.store or settings.store, settings.index, read_only=read_only,
                      analyzer=analyzer_for(settings.analyzer_config), layouts=settings.index_layouts)


def cmd_index(args: argparse.Namespace) -> int:
    """Exit 0: everything indexed; 1: some files failed or nothing to index; 3: the run
    itself failed (what was done before is counted, and the next run completes it)."""
    settings = get_settings()
    limits = FileLimits(max_bytes=int(settings.max_file_mb * 1024 * 1024), parse_seconds=settings.parse_seconds)
    store = _open_store(args)
    indexer = Indexer(store, progress=False if args.quiet else None, workers=args.workers, limits=limits)
    run_error = None
    try:
        summary = indexer.index_paths(args.paths)
    except RunFailed as error:
        summary, run_error = error.summary, error.reason
    print(summary.describe())
    for failure in summary.failed:
        print(f"  failed: {failure.path}: {failure.reason}", file=sys.stderr)
    for skipped in summary.skipped:
        print(f"  {skipped.path}: {skipped.reason}", file=sys.stderr)  # the reason says "skipped: …"
    if args.report:
        args.report.write_text(
            json.dumps([f.__dict__ for f in summary.failed + summary.skipped], ensure_ascii=False, indent=2),
            encoding="utf-8"
        )
    if run_error:
        print(f"policy-search: the indexing run stopped: {run_error}. The documents counted above were "
              "written; run the same command again to complete it.", file=sys.stderr)
        return 3
    if summary.files == 0 and not summary.failed:
        print("policy-search: nothing to index: no .html, .htm, .txt, .md, .json or .jsonl files under "
              + ", ".join(args.paths), file=sys.stderr)
        return 1
    return 1 if summary.failed else 0


def cmd_serve(args: argparse.Namespace) -> int:
    if args.store:
        os.environ["POLICY_SEARCH_STORE"] = args.store
        get_settings.cache_clear()
    try:
        serve(args.host, args.port, args.workers)
    except CannotListen as error:
        print(f"policy-search: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    store = _open_store(args, read_only=True)
    filters = {name: getattr(args, name) for name in field_names()}
    request = search_service.make_request(
        args.query, page=args.page, size=args.size, sort=args.sort, filters=filters,
        valid_on=args.valid_on, current=args.current, field=args.field, analyzer=store.analyzer,
    )
    response = search_service.search_response(store, args.query, request)
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
    store = _open_store(args, read_only=True)
    day = args.on or date.today()
    try:
        doc = documents.current_document(store, args.title, day)
    except documents.NoVersionInForce as error:
        print(f"policy-search: {error}", file=sys.stderr)
        return 1
    view = documents.document_view(store, doc.id, day)
    if view is None:  # deleted since it was found
        print(f"policy-search: no version of {args.title!r} is in force on {day.isoformat()}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(view, ensure_ascii=False, indent=2))
        return 0
    meta = " · ".join(x for x in ("、".join(view["issuers"]), view["doc_number"], view["publish_date"]) if x)
    print(f"{view['title']} ({view['status_label']} on {day.isoformat()})\n  {meta}\n  id {view['id']}")
    print("  versions: " + ", ".join(f"{v['publish_date']} {v['status_label']}" for v in view["versions"]))
    return 0


def _missing_store(error: StoreMissing, args: argparse.Namespace) -> str:
    """Which file a read-only command looked for, and, for a relative path the user gave,
    how to write the absolute one they may have meant."""
    path = error.path
    message = f"no index at {path.absolute()}: run `policy-search index` first"
    if not path.is_absolute() and (args.store or os.environ.get("POLICY_SEARCH_STORE")):
        message += (f" (sqlite:///{path} names a path relative to the working directory;"
                    f" for /{path} write sqlite:////{path})")
    return message


def cmd_reindex(args: argparse.Namespace) -> int:
    """A new index built from the stored documents with this deployment's dictionary and
    synonyms, put in the old one's place when complete. Exit 3 when the store failed (the
    old index then still serves)."""
    from policy_search.reindex import reindex  # only this command needs it

    report = reindex(_open_store(args))
    print(report.describe())
    if args.report:
        args.report.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    """What the indexer reads from each file, as JSON, without indexing it: for staff
    checking their site's pages. Exit 1 when a file gives no record (the reason is printed)."""
    settings = get_settings()
    limits = FileLimits(max_bytes=int(settings.max_file_mb * 1024 * 1024), parse_seconds=settings.parse_seconds)
    analyzer = analyzer_for(settings.analyzer_config)
    failed = 0
    for path in map(Path, args.paths):
        result = prepare_file(path, analyzer, limits) if path.suffix.lower() in PARSERS else Failure(
            str(path), f"unsupported file type {path.suffix or '(none)'}")
        if isinstance(result, Failure):
            print(f"{result.path}: {result.reason}", file=sys.stderr)
            failed += 1
            continue
        for record in result:
            doc = record.full_document()
            print(json.dumps({**public_fields(doc, date.today()), "interprets_ref": doc.interprets_ref},
                             ensure_ascii=False, indent=2))
    return 1 if failed else 0


def cmd_keys(args: argparse.Namespace) -> int:
    keys = KeyStore(args.keys_file or get_settings().keys_file)
    if args.keys_command == "create":
        key, token = keys.create(Scope(args.scope), args.issuer, args.note)
        print(token)
        issuer = f", issuer {key.issuer}" if key.issuer else ""
        print(f"key {key.id}: scope {key.scope.value}{issuer}. It is shown only now: keep it safe.", file=sys.stderr)
        return 0
    if args.keys_command == "list":
        for key in keys.all():
            state = f"revoked {key.revoked}" if key.revoked else "active"
            print("\t".join([key.id, key.scope.value, key.issuer or "(any issuer)", key.created, state, key.note or ""]))
        return 0
    if args.keys_command == "revoke":
        revoked = keys.revoke(args.key_id)
        if revoked is None:
            print(f"policy-search: no key {args.key_id!r}", file=sys.stderr)
            return 1
        print(f"key {revoked.id} revoked on {revoked.revoked}")
        return 0
    for entry in keys.audit(args.limit, args.key_id):
        if args.json:
            print(json.dumps(entry.__dict__, ensure_ascii=False))
        else:
            print("\t".join([entry.time, entry.key_id, entry.action, entry.document_id or "-", entry.outcome]))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    if args.stats_command == "accept":
        return _accept_short_form(args)
    settings = get_settings()
    figures = stats_report.report(SearchStats(args.stats_file or settings.stats_file, settings.stats_retention_days),
                                  args.days, args.limit)
    if args.csv:
        headers, rows = (export.candidates_table(propose(_open_store(args, read_only=True), figures.zero_results))
                         if args.csv == "candidates" else export.table(figures, args.csv))
        sys.stdout.write(export.csv_text(headers, rows))
        return 0
    candidates = _candidates(args, figures)
    if args.json:
        proposed = None if candidates is None else [{**dataclasses.asdict(c), "rule": c.rule} for c in candidates]
        print(json.dumps({**dataclasses.asdict(figures), "candidates": proposed}, ensure_ascii=False, indent=2))
        return 0
    _print_report(figures)
    if candidates is not None:
        print("\nshort forms proposed (accept one with `policy-search stats accept QUERY`):")
        for candidate in candidates:
            print(f"  {candidate.rule}    ({candidate.kind}: {candidate.title})")
        if not candidates:
            print("  (none)")
    return 0


def _candidates(args: argparse.Namespace, figures: stats_report.StatsReport) -> list[Candidate] | None:
    """The short forms proposed from the queries with no result; None (said why) where the
    store cannot be read."""
    try:
        return propose(_open_store(args, read_only=True), figures.zero_results)
    except StoreError as error:
        reason = _missing_store(error, args) if isinstance(error, StoreMissing) else str(error)
        print(f"policy-search: no short forms proposed: {reason}", file=sys.stderr)
        return None


def _print_report(figures: stats_report.StatsReport) -> None:
    share = f" ({figures.zero_result_searches / figures.searches:.0%})" if figures.searches else ""
    print(f"last {figures.days} days: {figures.searches} searches, {figures.zero_result_searches} with no result"
          f"{share}, {figures.clicks} clicks on results")
    if figures.by_source:
        print("  from: " + ", ".join(f"{source} {count}" for source, count in figures.by_source.items()))
    for heading, rows in (("top queries", figures.top), ("queries with no result", figures.zero_results),
                          ("queries with results but no click", figures.no_click)):
        print(f"\n{heading}:")
        for row in rows:
            print(f"  {row.searches:>6}  {row.query}" + ("" if rows is figures.zero_results else f"  ({row.results} results)"))
        if not rows:
            print("  (none)")
    print("\nclick-through by position:")
    for rate in figures.positions:
        print(f"  {rate.position:>4}  {rate.rate:>6.1%}  ({rate.clicked} of {rate.shown} searches)")
    print("\nby day:")
    for day in figures.by_day:
        print(f"  {day.day}  {day.searches:>6} searches  {day.zero_result_searches:>5} no result  {day.clicks:>5} clicks")


def _accept_short_form(args: argparse.Namespace) -> int:
    """The short form proposed for a query (or the one given with --as) into the synonym
    file the service reads, which uses it within seconds."""
    path = args.synonyms_file or get_settings().synonyms
    if not path:
        print("policy-search: no synonym file of this deployment: set POLICY_SEARCH_SYNONYMS to the file the "
              "service reads (or give --synonyms-file)", file=sys.stderr)
        return 2
    short = short_form(args.query)
    long = args.long or (read_synonyms(Path(path)).get(short) if Path(path).exists() else None)
    if long is None:
        candidate = candidate_for(_open_store(args, read_only=True), args.query)
        if candidate is None:
            print(f"policy-search: no short form proposed for {args.query!r}: give the words it stands for with "
                  "--as", file=sys.stderr)
            return 1
        long = candidate.long
    try:
        added = add_synonym(Path(path), short, long, note=f"accepted {date.today().isoformat()}")
    except (ValueError, RuleConflict) as error:
        print(f"policy-search: {error}", file=sys.stderr)
        return 1
    print(f"{'added to' if added else 'already in'} {path}: {short} => {long}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"index": cmd_index, "serve": cmd_serve, "search": cmd_search, "current": cmd_current,
               "reindex": cmd_reindex, "inspect": cmd_inspect, "keys": cmd_keys, "stats": cmd_stats}[args.command]
    try:
        status = handler(args)
        sys.stdout.flush()  # here, where a closed pipe is handled, rather than at exit
        return status
    except (InvalidRequest, DataFileError) as error:  # DataFileError: a dictionary file of the settings
        print(f"policy-search: {error}", file=sys.stderr)
        return 2
    except (KeysUnavailable, StatsUnavailable) as error:
        print(f"policy-search: {error}", file=sys.stderr)
        return 3
    except StoreMissing as error:
        print(f"policy-search: {_missing_store(error, args)}", file=sys.stderr)
        return 3
    except StoreError as error:
        print(f"policy-search: store error: {error}", file=sys.stderr)
        return 3
    except BrokenPipeError:
        # the reader went away (`policy-search search … | head -3`): stop quietly, as shell
        # tools do; output still buffered must not raise again when Python exits
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command ended by it


if __name__ == "__main__":
    sys.exit(main())
