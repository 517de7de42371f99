"""The embedded store: one SQLite file, full text in FTS5, no server.

`store` is the store itself (connections, lifecycle, reads, searches); `schema` the file's
tables and version; `sql` how a search becomes SQL; `writing` how documents and their
tokens are written and taken back.
"""

from policy_search.stores.sqlite.schema import SCHEMA_VERSION, check_database
from policy_search.stores.sqlite.store import SQLiteStore

__all__ = ["SCHEMA_VERSION", "SQLiteStore", "check_database"]
