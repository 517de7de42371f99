"""What an indexing run reports: its summary, and the error that ends a run."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.files import Failure


@dataclass
class IndexSummary:
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)  # files that are not documents, with why
    resegmented: int = 0  # documents segmented again because segmentation changed
    recovered: int = 0  # documents whose statuses and links were checked after an interrupted run

    def add_failures(self, failures: list[Failure]) -> None:
        """Failures of files, and files skipped as not documents, each to its list."""
        self.failed.extend(f for f in failures if not f.skipped)
        self.skipped.extend(f for f in failures if f.skipped)

    @property
    def documents(self) -> int:
        return self.added + self.updated + self.unchanged

    def describe(self) -> str:
        again = f"; {self.resegmented} indexed documents segmented again (dictionary changed)" if self.resegmented else ""
        skipped = f", {len(self.skipped)} skipped (not documents)" if self.skipped else ""
        recovered = (f"; an earlier run was interrupted: versions and links of all {self.recovered} "
                     "indexed documents brought up to date") if self.recovered else ""
        return (
            f"{self.files} files, {self.documents} documents: {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged, {len(self.failed)} failed{skipped}{again}{recovered}"
        )


class RunFailed(Exception):
    """The run itself could not go on (the store went away, a worker process died). The
    summary says what was done before; the next run finishes the work."""

    def __init__(self, reason: str, summary: IndexSummary) -> None:
        super().__init__(reason)
        self.reason = reason
        self.summary = summary
