"""The files of a run, and each file into records or a failure.

Whatever a file holds, reading it ends in the records it gives (parsed and segmented) or
in a `Failure` with its reason: a file too large, not a regular file, slow to parse, or one
a parser cannot read never ends the run.
"""

from __future__ import annotations

import os
import signal
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from analyzers import Analyzer
from indexer.errors import NotADocument, ParseError
from indexer.json_feed import parse_json_feed
from indexer.lawrefbook import parse_lawrefbook
from indexer.legal_database import parse_legal_database_record
from indexer.portal_html import parse_portal_html
from indexer.repeals import with_repeals
from policy_search.schema import Document
from policy_search.stores import IndexRecord

Parser = Callable[[Path], list[Document]]

# File suffix -> parser.
PARSERS: dict[str, Parser] = {
    ".json": parse_json_feed,
    ".jsonl": parse_json_feed,
    ".md": parse_lawrefbook,
    ".html": parse_portal_html,
    ".htm": parse_portal_html,
    ".txt": parse_legal_database_record,
}


@dataclass(frozen=True)
class FileLimits:
    """What one file may cost a run: larger files are refused unread, and a parse that takes
    longer is stopped (pathological markup), so that no file costs the run its memory or
    its hours."""

    max_bytes: int = 20 * 1024 * 1024
    parse_seconds: float = 30.0


@dataclass
class Failure:
    path: str
    reason: str
    skipped: bool = False  # read fine, but not a document (a portal's list page): no failure


class ParseTimeout(Exception):
    """A file took longer to parse than `FileLimits.parse_seconds`."""


def prepare_file(path: Path, analyzer: Analyzer, limits: FileLimits = FileLimits()) -> list[IndexRecord] | Failure:
    """Parse and segment one file (in a worker process): its records, or why it failed.

    Whatever a file holds, the answer is records or a failure: a parser's unexpected error
    on some input is that file's failure, never the end of the run."""
    shown = display_path(path)
    try:
        _check_file(path, limits)
        parser = PARSERS[path.suffix.lower()]
        with _time_limit(limits.parse_seconds):
            docs = parser(path)
            if shown != str(path):  # a file name that is not UTF-8: stored as shown
                docs = [doc.model_copy(update={"source_path": shown}) if doc.source_path == str(path) else doc
                        for doc in docs]
            records = [_record_of(doc, analyzer) for doc in docs]
    except NotADocument as error:
        return Failure(shown, str(error), skipped=True)
    except ParseError as error:
        return Failure(shown, str(error))
    except ParseTimeout:
        return Failure(shown, f"took longer than {limits.parse_seconds:g} s to parse: not indexed")
    except OSError as error:
        return Failure(shown, error.strerror or str(error))
    except RecursionError:
        return Failure(shown, "nested too deeply to read")
    except MemoryError:
        return Failure(shown, "too large to read in memory")
    except UnicodeError:
        return Failure(shown, "holds text that is not valid Unicode")
    except Exception as error:  # a parser's bug on odd input: that file's failure only
        return Failure(shown, f"could not be read ({type(error).__name__}: {str(error)[:200]})")
    return records


# The record last made, by the document object it was made of: a parser that gives the same
# document for several files (each part of a code gives the whole code, the same object)
# has it segmented once, not once per file.
_last_record: tuple[Document, Analyzer, IndexRecord] | None = None


def _record_of(doc: Document, analyzer: Analyzer) -> IndexRecord:
    global _last_record
    if _last_record is not None and _last_record[0] is doc and _last_record[1] is analyzer:
        return _last_record[2]
    record = IndexRecord.of(with_repeals(doc), analyzer)
    _last_record = (doc, analyzer, record)
    return record


def _check_file(path: Path, limits: FileLimits) -> None:
    info = path.stat()  # follows links: a link to /dev/zero is a device, a loop an OSError
    if not stat.S_ISREG(info.st_mode):
        raise ParseError("not a regular file")
    if info.st_size > limits.max_bytes:
        raise ParseError(f"{info.st_size / 1048576:.1f} MB, over the limit of {limits.max_bytes / 1048576:g} MB per file")


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ParseTimeout in this thread after `seconds` (an interval timer: the main
    thread of this process only; elsewhere, no limit)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ParseTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def display_path(path: Path | str) -> str:
    """A path as it can be printed and stored: bytes of a file name that are not UTF-8
    shown as escapes (\\xNN)."""
    text = str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")


def find_files(paths: Iterable[Path]) -> Iterator[tuple[Path, bool] | Failure]:
    """Files under the paths, with whether each was named explicitly, and a failure for
    each named path that does not exist and each folder that cannot be read. Hidden files
    and folders are left out; links to folders are not followed (no loops)."""
    for path in paths:
        if path.is_dir():
            unreadable: list[Failure] = []

            def report(error: OSError, unreadable: list[Failure] = unreadable, path: Path = path) -> None:
                unreadable.append(Failure(display_path(error.filename or path), f"folder not read: {error.strerror}"))

            found: list[Path] = []
            for folder, folders, names in os.walk(path, onerror=report):
                folders[:] = [name for name in folders if not name.startswith(".")]
                found.extend(Path(folder, name) for name in names if not name.startswith("."))
            yield from unreadable
            for child in sorted(found):
                if not child.is_dir():
                    yield child, False
        elif path.exists() or path.is_symlink():
            yield path, True
        else:
            yield Failure(display_path(path), "no such file or folder")
