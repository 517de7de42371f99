"""The statistics as tables, for the admin page and CSV files (headers in Chinese, for staff)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from policy_search.stats.candidates import Candidate
from policy_search.stats.report import QueryCount, StatsReport

Table = tuple[list[str], list[list[object]]]


def _queries(rows: list[QueryCount]) -> Table:
    return ["检索词", "检索次数", "最近一次的结果数"], [[row.query, row.searches, row.results] for row in rows]


def _positions(report: StatsReport) -> Table:
    return (["位置", "展示次数", "有点击的检索", "点击率", "点击次数"],
            [[row.position, row.shown, row.clicked, f"{row.rate:.1%}", row.clicks] for row in report.positions])


def _days(report: StatsReport) -> Table:
    return (["日期", "检索次数", "无结果的检索", "点击次数"],
            [[row.day, row.searches, row.zero_result_searches, row.clicks] for row in report.by_day])


# The tables by name: `policy-search stats --csv NAME`, `/admin/stats.csv?table=NAME`.
TABLES: dict[str, tuple[str, Callable[[StatsReport], Table]]] = {
    "top": ("热门检索词", lambda report: _queries(report.top)),
    "zero": ("无结果的检索词", lambda report: _queries(report.zero_results)),
    "no_click": ("有结果但无点击的检索词", lambda report: _queries(report.no_click)),
    "positions": ("各位置的点击率", _positions),
    "days": ("每日检索与点击", _days),
}


def table(report: StatsReport, name: str) -> Table:
    """The headers and rows of the table `name` (one of TABLES)."""
    return TABLES[name][1](report)


# What a spreadsheet reads a cell starting with as a formula: citizens' queries are quoted.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(headers: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return out.getvalue()


def _cell(value: object) -> object:
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def candidates_table(candidates: list[Candidate]) -> Table:
    return (["检索词", "建议的同义词规则", "依据", "标题", "检索次数"],
            [[c.query, c.rule, c.kind_label, c.title, c.searches] for c in candidates])


# With the short forms proposed (`candidates`), which need the store.
TABLE_NAMES = (*TABLES, "candidates")
