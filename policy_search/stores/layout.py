"""How an Elasticsearch index is laid out on a cluster: its primary shards and their replicas.

Kept apart from the Elasticsearch store so that the settings can check a layout without
importing the Elasticsearch client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# A replica count: a number (`1`), or a range that follows the nodes of the cluster
# (`0-1`, `1-all`: Elasticsearch's `auto_expand_replicas`).
_REPLICAS = re.compile(r"(\d+)(?:-(\d+|all))?")


@dataclass(frozen=True)
class IndexLayout:
    """`shards`: the index's primary shards, fixed when the index is made (a new count
    takes effect when the index is rebuilt, `policy-search reindex`). `replicas`: copies of
    each shard, a number or a range of them that follows the nodes of the cluster; the
    default, `0-1`, keeps one copy on another node where the cluster has one."""

    shards: int = 1
    replicas: str = "0-1"

    def __post_init__(self) -> None:
        if not 1 <= self.shards <= 1024:
            raise ValueError(f"shards must be a whole number from 1 to 1024, not {self.shards}")
        matched = _REPLICAS.fullmatch(self.replicas)
        if not matched or (matched.group(2) not in (None, "all") and int(matched.group(2)) < int(matched.group(1))):
            raise ValueError(f"replicas must be a number (1) or a range (0-1, 1-all), not {self.replicas!r}")

    def settings(self) -> dict[str, Any]:
        """The index settings that make this layout."""
        if "-" in self.replicas:
            return {"number_of_shards": self.shards, "auto_expand_replicas": self.replicas}
        return {"number_of_shards": self.shards, "number_of_replicas": int(self.replicas)}


# One shard, and a replica where the cluster has a second node for it (none on a single node).
DEFAULT_LAYOUT = IndexLayout()
