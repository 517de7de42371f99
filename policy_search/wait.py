"""`python -m policy_search.wait`: wait until the store answers, then exit 0.

The API's container runs it before its first indexing (see the Dockerfile): started beside
Elasticsearch, it would otherwise index into a node that is not up yet, and serve with no
index. Bounded: `--tries` (default 30) tries `--delay` seconds apart (default 5), a line
for each failed try; exit 1 with a message when the store never answered. The embedded
store needs no server: nothing to wait for.

    python -m policy_search.wait [--store URL] [--tries N] [--delay SECONDS]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from policy_search.cli import _whole_number
from policy_search.settings import get_settings

# the cluster may take this long to reach yellow (its primaries allocated) within one try
HEALTH_TIMEOUT = "5s"


def elasticsearch_answers(url: str) -> bool:
    """Whether the node at `url` answers with its cluster at least yellow."""
    # Imported here: with the embedded store there is nothing to wait for, and no reason to
    # import the Elasticsearch client (slow to import: see stores.open_store).
    from policy_search.stores.elastic import ElasticsearchStore

    store = ElasticsearchStore(url, request_timeout=10)
    try:
        store.client.cluster.health(wait_for_status="yellow", timeout=HEALTH_TIMEOUT)
        return True
    except Exception:  # noqa: BLE001 - down, refusing, timed out (408) or not Elasticsearch: not yet
        return False
    finally:
        store.close()


def wait_for_store(url: str, tries: int, delay: float, sleep: Callable[[float], None] = time.sleep) -> bool:
    """Try up to `tries` times whether the store at `url` answers; True once it does."""
    if urlsplit(url).scheme not in ("http", "https"):
        return True
    shown = _without_credentials(url)
    for attempt in range(1, tries + 1):
        if elasticsearch_answers(url):
            return True
        if attempt < tries:
            print(f"policy-search: Elasticsearch at {shown} does not answer yet (try {attempt} of {tries});"
                  f" trying again in {delay:g} s", file=sys.stderr, flush=True)
            sleep(delay)
    print(f"policy-search: Elasticsearch at {shown} did not answer in {tries} tries: giving up",
          file=sys.stderr, flush=True)
    return False


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{value:g} is out of range: use 0–3600")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policy_search.wait", description="Wait until the store answers.")
    parser.add_argument("--store", help="store URL (default: $POLICY_SEARCH_STORE)")
    parser.add_argument("--tries", type=_whole_number(1), default=30, help="tries before giving up (default 30)")
    parser.add_argument("--delay", type=_seconds, default=5.0, help="seconds between tries (default 5)")
    args = parser.parse_args(argv)
    return 0 if wait_for_store(args.store or get_settings().store, args.tries, args.delay) else 1


if __name__ == "__main__":
    sys.exit(main())
