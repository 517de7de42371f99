"""Metadata labels as sources write them, mapped to document fields.

Portals and legal databases name the same item differently (发文机关 / 发布机构 /
制定机关 …); parsers collect label → value pairs and this module makes fields of them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from analyzers import normalize_doc_number
from analyzers.normalize import DOC_NUMBER_PATTERN
from indexer.dates import parse_date

# Normalised label -> document field (or disclosure item).
LABELS: dict[str, str] = {
    "索引号": "index_no", "信息索引号": "index_no",
    "主题分类": "topics", "分类": "topics", "主题": "topics", "所属主题": "topics",
    "发文机关": "issuers", "发布机构": "issuers", "发文单位": "issuers", "制定机关": "issuers",
    "发布机关": "issuers", "信息来源": "issuers", "发文机构": "issuers",
    "成文日期": "written_date", "产生时间": "written_date", "生成日期": "written_date", "成文时间": "written_date",
    "标题": "title", "信息名称": "title", "名称": "title", "文件名称": "title",
    "发文字号": "doc_number", "文号": "doc_number", "文件编号": "doc_number", "字号": "doc_number",
    "发布日期": "publish_date", "公布日期": "publish_date", "发布时间": "publish_date", "公开日期": "publish_date",
    "施行日期": "effective_date", "实施日期": "effective_date", "生效日期": "effective_date",
    "失效日期": "expiry_date", "废止日期": "expiry_date",
    "有效性": "validity", "时效性": "validity", "效力状态": "validity",
    "效力等级": "level", "文种": "doc_type", "主题词": "keywords",
    "公开形式": "disclosure", "公开时限": "disclosure", "审查程序": "disclosure", "责任部门": "disclosure",
    "内容描述": "disclosure", "公开方式": "disclosure", "公开范围": "disclosure",
}

_SPLIT = re.compile(r"[、，,；;\s]+")


def normalize_label(label: str) -> str:
    label = unicodedata.normalize("NFKC", label)
    return re.sub(r"[\s:：\u3000【】\[\]]", "", label)


def field_of(label: str) -> str | None:
    return LABELS.get(normalize_label(label))


def to_fields(pairs: dict[str, str]) -> dict[str, Any]:
    """Document fields from label → value pairs (first occurrence of a field wins)."""
    fields: dict[str, Any] = {}
    disclosure: dict[str, str] = {}
    for label, raw in pairs.items():
        value = " ".join(unicodedata.normalize("NFKC", raw).split()).strip()
        field = field_of(label)
        if not field or not value:
            continue
        if field == "disclosure":
            disclosure.setdefault(normalize_label(label), value)
        elif field in fields:
            continue
        elif field == "issuers":
            fields[field] = [part for part in _SPLIT.split(value) if part]
        elif field == "topics":
            fields[field] = [part for part in re.split(r"[、，,；;/\\\s]+", value) if part]
        elif field.endswith("_date"):
            day = parse_date(value)
            if day:
                fields[field] = day
        elif field == "doc_number":
            if value not in ("无", "-", "/"):
                fields[field] = normalize_doc_number(value)
        elif field == "validity":
            fields.update(validity_fields(value))
        else:
            fields[field] = value
    if disclosure:
        fields["disclosure"] = disclosure
    return fields


def validity_fields(value: str) -> dict[str, Any]:
    """What a source's 有效性/时效性 says, as the schema records it."""
    if "废止" in value:
        return {"declared_status": "repealed"}
    if "失效" in value or "无效" in value:
        return {"declared_status": "expired"}
    return {}


# An interpretation's title: 关于《…》的解读, 《…》政策解读, 解读材料, 图解：…, 答记者问 …
# (a notice *about* interpretation work, ending in 通知, is a policy).
INTERPRETATION_TITLE = re.compile(
    r"(解读|解读材料|答记者问|政策问答|问答)$|^(图解|一图读懂|图说|一图看懂)|》(的)?(政策)?解读|解读》"
)
_QUOTED_TITLE = re.compile(r"《([^》]{4,})》")


def interpretation_reference(title: str, text: str) -> str | None:
    """How an interpretation names its policy: a document number near the start, else a 《title》."""
    head = unicodedata.normalize("NFKC", text[:600])
    match = DOC_NUMBER_PATTERN.search(unicodedata.normalize("NFKC", title)) or DOC_NUMBER_PATTERN.search(head)
    if match:
        return normalize_doc_number(match.group(0))
    quoted = _QUOTED_TITLE.search(title) or _QUOTED_TITLE.search(head)
    if quoted:
        return quoted.group(1)
    stripped = re.sub(r"^(图解|一图读懂|一图看懂|图说)[:：\s]*", "", title)
    stripped = re.sub(r"(的)?(政策)?(解读材料|解读|答记者问|政策问答|问答)$", "", stripped).strip()
    return stripped or None
