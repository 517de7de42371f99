"""Words that go live without a restart: the running service picks up a changed user
dictionary, synonym or colloquial file (the shipped ones, or those the settings name).

Each request looks at the clock; at most once every `Settings.words_check_seconds` it
also looks at the files' modification times and sizes (a few `stat` calls). When they
changed, a thread makes a new `Analyzer` from the files (about 0.3 s: the dictionary is
loaded again) and swaps `app.state.store` for the same index queried with it
(`Store.with_analyzer`); requests meanwhile go on with the old one, and every request
after the swap cuts and expands queries with the new words. Short forms and colloquial
words work at once (queries are expanded to the words the documents hold); a word new to
the dictionary reaches the documents already indexed when `policy-search reindex` has
segmented them again (`reload_words` says whether the index needs it).

A file that cannot be read, or a malformed line, keeps the words in use: the error is
logged and returned, and the file is read again when it changes again.
`reload_words(app)` does the same at once, for `POST /api/v1/admin/reload`.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from analyzers import AnalyzerConfig, DataFileError
from analyzers.analyzer import reload_analyzer
from analyzers.colloquial import default_colloquial_file, default_question_words_file
from analyzers.segment import default_user_dict
from analyzers.synonyms import default_synonyms_file
from policy_search.reindex import SEGMENTATION_META
from policy_search.stores import Store, StoreError

logger = logging.getLogger(__name__)

# After a reload, the store queried before is closed this much later: requests still using
# it have long finished (they wait for Elasticsearch `es_timeout`, 2 s by default).
RETIRE_SECONDS = 60.0

FileState = tuple[str, int, int] | tuple[str, None, None]


def word_files(config: AnalyzerConfig) -> list[Path]:
    """Every file an analyzer of `config` is made of: the shipped ones and the deployment's."""
    shipped = [default_user_dict(), default_synonyms_file(), default_colloquial_file(), default_question_words_file()]
    return [*shipped, *config.user_dicts, *config.synonym_files, *config.colloquial_files]


def files_state(paths: list[Path]) -> tuple[FileState, ...]:
    """What says whether a file changed: its modification time and size (None: missing)."""
    states: list[FileState] = []
    for path in paths:
        try:
            status = path.stat()
        except OSError:
            states.append((str(path), None, None))
            continue
        states.append((str(path), status.st_mtime_ns, status.st_size))
    return tuple(states)


class LiveWords:
    """The word files of an app, when they were last looked at, and what they were then."""

    def __init__(self, config: AnalyzerConfig, interval: float) -> None:
        self.config = config
        self.interval = interval  # seconds between looks; 0: never on its own
        self.paths = word_files(config)
        self.seen = files_state(self.paths)
        self._next_look = time.monotonic() + interval
        self._reloading = threading.Lock()  # one reload at a time
        self.made: Store | None = None  # the store the last reload made

    def look(self, app: FastAPI) -> None:
        """On a request: where it is time, look at the files, and reload in a thread when
        they changed (the request does not wait for it)."""
        if not self.interval or time.monotonic() < self._next_look:
            return
        self._next_look = time.monotonic() + self.interval
        if files_state(self.paths) != self.seen and not self._reloading.locked():
            threading.Thread(target=reload_words, args=(app,), name="reload-words", daemon=True).start()


def reload_words(app: FastAPI) -> dict[str, Any]:
    """Make the app's analyzer again from its word files and query the store with it.

    Returns `reloaded` (false with `error` when a file could not be read: the words in use
    stay), the `fingerprint` of the new segmentation, the index's (`index_fingerprint`) and
    `reindex_needed`: whether documents already indexed were cut otherwise than queries
    now are (a new dictionary word or short form), until `policy-search reindex`."""
    live: LiveWords = app.state.live_words
    with live._reloading:
        state = files_state(live.paths)
        try:
            analyzer = reload_analyzer(live.config)
        except DataFileError as error:
            live.seen = state  # read again when it changes again, not on every look
            logger.error("the word files were not reloaded, the words in use stay: %s", error)
            return {"reloaded": False, "error": str(error)}
        previous = app.state.store
        store = previous.with_analyzer(analyzer)
        app.state.store = store
        # The write API cuts documents as queries are: with the old words it would also take
        # the index, once reindexed, for one of other words and segment it back in place.
        writer = getattr(app.state, "writer", None)
        if writer is not None:
            writer.use_analyzer(analyzer)
        live.seen = state
        # The store of an earlier reload has its connections (a client's pool) closed; the
        # one the app was made with belongs to whoever made it.
        retired, live.made = (previous if previous is live.made else None), store
    if retired is not None:
        retire = threading.Timer(RETIRE_SECONDS, retired.close)
        retire.daemon = True
        retire.start()
    try:
        indexed = store.get_meta(SEGMENTATION_META)
    except StoreError:  # the store is away: the words are in use all the same
        indexed = None
    needed = indexed is not None and indexed != analyzer.fingerprint
    logger.warning("word files reloaded (segmentation %s)%s", analyzer.fingerprint,
                   ": run `policy-search reindex` for documents already indexed" if needed else "")
    return {"reloaded": True, "fingerprint": analyzer.fingerprint, "index_fingerprint": indexed,
            "reindex_needed": needed}


class WatchWords:
    """ASGI middleware: each HTTP request gives `LiveWords.look` a chance."""

    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.owner.state.live_words.look(self.owner)
        await self.app(scope, receive, send)


def install_live_words(app: FastAPI, config: AnalyzerConfig, interval: float) -> None:
    app.state.live_words = LiveWords(config, interval)
    app.add_middleware(WatchWords, owner=app)
