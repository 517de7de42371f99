"""The Markdown law corpus (LawRefBook layout) with its db.sqlite3 sidecars.

A file is one version: `# title`, an optional `# subtitle`, history lines `<date> <event>`,
`<!-- INFO END -->`, then the body. The file name carries the version date. The sidecar
of the tree (the nearest db.sqlite3 above the file) gives the level and an `expired` flag.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from analyzers import normalize_doc_number
from analyzers.numerals import article_value
from indexer.dates import find_dates
from indexer.errors import ParseError
from policy_search.schema import Article, Document, make_id

INFO_END = "<!-- INFO END -->"
_VERSION_IN_NAME = re.compile(r"\((\d{4}-\d{2}-\d{2})\)$")
# an article line; a stray space before 条 (第一百二十八 条, seen in the corpus) is a typo
_ARTICLE = re.compile(r"^(第[一二三四五六七八九十百千零〇\d]+)[ \u3000]?(条(?:之[一二三四五六七八九十]+)?)\s*(.*)$")
_NUMERAL = "[一二三四五六七八九十百零〇\\d]+"
_SESSION = re.compile(f"第{_NUMERAL}届")

# Folder of the corpus -> level, where the sidecar does not list a file.
_FOLDER_LEVELS = {"行政法规": "行政法规", "司法解释": "司法解释", "部门规章": "部门规章", "案例": "案例",
                  "DLC": "地方性法规"}
_PROVINCES = {"上海": "上海市", "北京": "北京市", "重庆": "重庆市", "天津": "天津市", "山东": "山东省",
              "广东": "广东省", "河南": "河南省", "浙江": "浙江省"}
# Top-level folders that name a branch of law (法律部门), used as the topic.
_LAW_SECTORS = {"宪法", "宪法相关法", "民法典", "民法商法", "行政法", "经济法", "社会法", "刑法", "诉讼与非诉讼程序法"}
_DEFAULT_ISSUERS = {"法律": ["全国人民代表大会常务委员会"], "行政法规": ["国务院"], "司法解释": ["最高人民法院"],
                    "宪法": ["全国人民代表大会"]}


@dataclass(frozen=True)
class SidecarRow:
    level: str
    name: str
    publish: str | None
    valid_from: str | None
    expired: bool


@dataclass(frozen=True)
class Sidecar:
    rows: dict[tuple[str, str], SidecarRow]  # (folder/stem, version date or "") -> row
    versions: dict[str, list[str]]  # name -> version dates listed

    def find(self, folder: str, stem: str, version: str | None) -> SidecarRow | None:
        return self.rows.get((f"{folder}/{stem}", version or "")) or self.rows.get((f"{folder}/{stem}", ""))

    def has_newer(self, row: SidecarRow) -> bool:
        return any(v > (row.publish or "") for v in self.versions.get(row.name, []))


@lru_cache(maxsize=64)
def load_sidecar(path: Path) -> Sidecar:
    rows: dict[tuple[str, str], SidecarRow] = {}
    versions: dict[str, list[str]] = {}
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        query = ("SELECT l.level, l.name, l.filename, l.subtitle, l.publish, l.valid_from, l.expired, c.folder"
                 " FROM law l JOIN category c ON c.id = l.category_id")
        for level, name, filename, subtitle, publish, valid_from, expired, folder in connection.execute(query):
            row = SidecarRow(level, name, publish or None, valid_from or None, bool(expired))
            for stem in {filename or name, name, subtitle}:
                if stem:
                    rows.setdefault((f"{folder}/{stem}", publish or ""), row)
            if publish:
                versions.setdefault(name, []).append(publish)
    finally:
        connection.close()
    return Sidecar(rows, versions)


def find_sidecar(path: Path) -> tuple[Path, Sidecar] | None:
    """The nearest sidecar above a file, with the folder holding it."""
    folders = _sidecar_folders(path.parent)
    if not folders:
        return None
    try:
        return folders[0], load_sidecar(folders[0] / "db.sqlite3")
    except sqlite3.Error:
        return None


# The files of a folder share its sidecars: looked up once per folder, not once per file
# (thousands of stat calls on the corpus).
@lru_cache(maxsize=256)
def _sidecar_folders(folder: Path) -> tuple[Path, ...]:
    """The folder and those above it that hold a db.sqlite3, nearest first."""
    return tuple(parent for parent in (folder, *folder.parents) if (parent / "db.sqlite3").is_file())


def is_corpus_file(path: Path) -> bool:
    """Markdown documents of the corpus: not folder front matter, not hidden templates."""
    if path.name == "_index.md":
        return False
    with path.open(encoding="utf-8", errors="replace") as handle:
        return not _is_hidden(handle.read(200))


def _is_hidden(head: str) -> bool:
    return head.startswith("---") and "bookHidden: true" in head[:200]


# --- history lines ----------------------------------------------------------------------


@dataclass
class HistoryLine:
    day: date
    event: str


def parse_history(lines: list[str]) -> list[HistoryLine]:
    history = []
    for line in lines:
        dates = find_dates(line)
        if dates and dates[0][0] == 0:
            event = re.sub(r"^\S+\s*", "", line.strip(), count=1).strip("　 ")
            history.append(HistoryLine(dates[0][1], event))
    return history


def issuers_of(event: str) -> list[str]:
    """The bodies that passed or published a text, named as users know them."""
    found: list[str] = []
    text = event
    if "全国人民代表大会常务委员会" in text:
        found.append("全国人民代表大会常务委员会")
    elif "全国人民代表大会" in text:
        found.append("全国人民代表大会")
    for match in re.finditer(f"([\u4e00-\u9fff]{{2,8}}?[省市州])(?:{_SESSION.pattern})?人民代表大会常务委员会", text):
        found.append(f"{match.group(1)}人民代表大会常务委员会")
    for court in ("最高人民法院", "最高人民检察院"):
        if court in text:
            found.append(court)
    if re.search("国务院(?:、中华人民共和国中央军事委员会|、中央军事委员会)?令|国务院第|国务院(?:批准|发布)", text):
        found.append("国务院")
        if "中央军事委员会令" in text:
            found.append("中央军事委员会")
    for match in re.finditer(r"([\u4e00-\u9fff]{2,12}?(?:部|委员会|总局|局|署|银行))令第", text):
        name = match.group(1).removeprefix("中华人民共和国")
        if name not in ("国务院", "中央军事委员会") and not name.endswith("人民代表大会常务委员会"):
            found.append(name)
    return list(dict.fromkeys(found))


def issuers_in_title(title: str) -> list[str]:
    """Issuers a title begins with: 最高人民法院、最高人民检察院关于… (joint texts without history lines)."""
    if "关于" not in title:
        return []
    names = re.split(r"[、\s]+", title.split("关于", 1)[0])
    body = r"[\u4e00-\u9fff]{2,20}(?:法院|检察院|部|委员会|总局|局|署|银行|办公厅|国务院)"
    return [name for name in names if re.fullmatch(body, name)]


def doc_number_of(event: str) -> str | None:
    text = event.replace("中华人民共和国", "")
    match = re.search(f"((?:[\u4e00-\u9fff]+、)?[\u4e00-\u9fff]*令第{_NUMERAL}号)", text)
    if match:
        return normalize_doc_number(match.group(1))
    match = re.search(r"([\u4e00-\u9fff]{1,10}[〔\[（(]\s*\d{4}\s*[〕\]）)]\s*\d+\s*号)", text)
    if match:
        return normalize_doc_number(match.group(1))
    match = re.search(f"([\u4e00-\u9fff]+公告第{_NUMERAL}号)", text)
    if match:
        return _SESSION.sub("", match.group(1))
    return None


def effective_date_of(history: list[HistoryLine], body: str, version: date | None) -> date | None:
    """When this version took effect: a 施行 history line, else the closing article.

    An amended version (修正) may keep the original law's date in its article; a date
    before the version date is such a leftover and gives way to the version date.
    """
    for line in history:
        if line.event.rstrip("　 ").endswith("施行") and (version is None or line.day >= version):
            return line.day
    tail = body[-3000:]
    match = re.search(r"自([^。；，,]{2,20}?)起(?:施行|实施|执行)", tail)
    if match:
        if "公布之日" in match.group(1) or "发布之日" in match.group(1):
            return version
        dates = find_dates(match.group(1))
        if dates:
            day = dates[0][1]
            return day if version is None or day >= version else version
    return None


def body_and_articles(markdown: str) -> tuple[str, list[Article]]:
    """The plain text of a Markdown body and its articles (第X条), each article's text a
    slice of that plain text: up to the next article or heading."""
    if "<!--" in markdown:
        markdown = _COMMENT.sub("", markdown)  # comments never span lines in the corpus
    lines: list[tuple[str, bool]] = []  # (text, is a heading), at most one blank line in a row
    for raw in markdown.splitlines():
        heading = raw.startswith("#")
        line = raw.lstrip("#").strip() if heading else raw.strip()
        if line or (lines and lines[-1][0]):
            lines.append((line, heading))
    while lines and not lines[-1][0]:
        lines.pop()
    text = "\n".join(line for line, _ in lines)
    found: list[list] = []  # [number, start, end]
    offset = 0
    for line, heading in lines:
        match = None if heading else _ARTICLE.match(line)
        if (heading or match) and found and found[-1][2] is None:
            found[-1][2] = offset
        if match:
            found.append([match.group(1) + match.group(2), offset + match.start(3), None])
        offset += len(line) + 1
    articles = [Article(number=number, text=text[start:end].rstrip()) for number, start, end in found]
    return text, articles


def region_of(relative: Path, title: str) -> str:
    parts = relative.parts
    if parts and parts[0] == "DLC" and len(parts) > 1:
        province = _PROVINCES.get(parts[1].removesuffix("地方法规"), parts[1].removesuffix("地方法规"))
        city = re.match(r"^([\u4e00-\u9fff]{2,4}?市)", title)
        if city and not province.startswith(city.group(1)) and not title.startswith(province):
            return province + city.group(1)
        return province
    return "国家"


def short_title(title: str) -> str:
    return title.removeprefix("中华人民共和国").strip()


# --- the parser -------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    """What one Markdown file of the corpus says: its title lines, history and body."""

    path: Path
    title: str
    subtitle: str | None
    history: list[HistoryLine]
    body: str  # Markdown, after the INFO END line


def read_source(path: Path) -> SourceFile | None:
    """A corpus file read (None: folder front matter or a hidden template, no document)."""
    if path.name == "_index.md":
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        if not is_corpus_file(path):
            return None
        raise ParseError("not UTF-8 text") from None
    if _is_hidden(text):
        return None
    if INFO_END not in text:
        raise ParseError(f"no {INFO_END} line: not in the corpus layout")
    head, body = text.split(INFO_END, 1)
    head_lines = [line.strip() for line in head.splitlines() if line.strip() and not line.startswith("<!--")]
    titles = [re.sub(r"<!--.*?-->", "", line[2:]).strip() for line in head_lines if line.startswith("# ")]
    if not titles or not titles[0]:
        raise ParseError("no title line (# …)")
    history = parse_history([line for line in head_lines if not line.startswith("#")])
    return SourceFile(path, titles[0], titles[1] if len(titles) > 1 else None, history, body)


def parse_lawrefbook(path: Path) -> list[Document]:
    source = read_source(path)
    if source is None:
        return []
    if is_part_name(source.subtitle):
        code = code_of_part(source)
        if code is not None:
            return [code]
    return [_document(source, source.history, source.body)]


# --- codes in parts ---------------------------------------------------------------------
# A code (法典) too long for one file is a folder of part files, each titled with the
# code's title and the part's name: `# 中华人民共和国民法典` / `# 婚姻家庭编` (and 总则, 附则).
# Its articles are numbered through the whole code, so it is one law: each of its files
# gives the same document, the whole code (a run counts it once, as one id met in several
# files), so that indexing any one part, or the folder, indexes the code.

_PART_NAME = re.compile(r"^(?:第[一二三四五六七八九十]+编\s*)?(?:[\u4e00-\u9fff]{1,12}编|总则|附则)$")


def is_part_name(subtitle: str | None) -> bool:
    """Whether a subtitle names a part of a code: 物权编, 第二编 物权编, 总则, 附则."""
    return bool(subtitle and _PART_NAME.match(subtitle))


def code_of_part(source: SourceFile) -> Document | None:
    """The code a file is a part of, as one document; None when it is not a part of one."""
    state = _folder_state(source.path.parent)
    return _code_document(source.path.parent, state, source.title, _version_of_name(source.path))


def code_parts(folder: Path, title: str, version: str | None) -> list[SourceFile]:
    """The parts of a code in a folder, in the code's order; [] when the folder holds no
    code of that title. A part is a file with the code's title and version date whose
    subtitle names a part; at least one of them is a 编 (总则 alone is not a code)."""
    parts = [part for part in _read_folder(folder, _folder_state(folder))
             if part.title == title and is_part_name(part.subtitle) and _version_of_name(part.path) == version]
    if not any((part.subtitle or "").endswith("编") for part in parts):
        return []
    return sorted(parts, key=_part_order)


# Parts are read once per folder as it stands on disk (name, modification time, size of
# each file): each part of a code gives the same document, read and assembled once.
FolderState = tuple[tuple[str, int, int], ...]


def _folder_state(folder: Path) -> FolderState:
    state = []
    for path in sorted(folder.glob("*.md")):
        try:
            info = path.stat()
        except OSError:
            continue
        state.append((path.name, info.st_mtime_ns, info.st_size))
    return tuple(state)


@lru_cache(maxsize=4)
def _read_folder(folder: Path, state: FolderState) -> tuple[SourceFile, ...]:
    sources = []
    for name, _, _ in state:
        try:
            source = read_source(folder / name)
        except (ParseError, OSError):
            continue  # a broken sibling is its own file's failure, not a part
        if source is not None:
            sources.append(source)
    return tuple(sources)


@lru_cache(maxsize=4)
def _code_document(folder: Path, state: FolderState, title: str, version: str | None) -> Document | None:
    """A code as one document: the parts' bodies in order, each under its part name as a
    heading (so that articles stay under their 编/章/节), the history lines of all parts;
    the sidecar row, level and dates are read as for its first part."""
    parts = code_parts(folder, title, version)
    if not parts:
        return None
    body = "\n".join(f"# {part.subtitle}\n{part.body}" for part in parts)
    history = list({(line.day, line.event): line for part in parts for line in part.history}.values())
    return _document(parts[0], history, body, code=True)


def _version_of_name(path: Path) -> str | None:
    match = _VERSION_IN_NAME.search(path.stem)
    return match.group(1) if match else None


def _part_order(part: SourceFile) -> tuple[int, int, str]:
    """Parts in the order of their first article (the numbering runs through the code)."""
    for line in part.body.splitlines():
        match = _ARTICLE.match(line.strip())
        if match:
            value = article_value(match.group(1) + "条")
            if value:
                return value[0], value[1], part.path.name
    return 10**6, 0, part.path.name


# --- one version ------------------------------------------------------------------------


def _document(source: SourceFile, history: list[HistoryLine], body: str, *, code: bool = False) -> Document:
    """The document of a version: of one file, or of a code's parts (`code`: `source` is
    its first part, which the sidecar row, level and dates are read from)."""
    path, title, subtitle = source.path, source.title, (None if code else source.subtitle)
    stem = path.stem
    version_match = _VERSION_IN_NAME.search(stem)
    version = None
    if version_match:
        try:
            version = date.fromisoformat(version_match.group(1))
        except ValueError:
            raise ParseError(f"the version date in the file name is not a date: {version_match.group(1)}") from None
    base_stem = _VERSION_IN_NAME.sub("", stem)

    found = find_sidecar(path)
    root = found[0] if found else path.parent
    sidecar = found[1] if found else None
    folder = path.parent.relative_to(root).as_posix()
    row = sidecar.find(folder, base_stem, version.isoformat() if version else None) if sidecar else None
    corpus_root = _corpus_root(path)
    relative = path.relative_to(corpus_root) if corpus_root else Path(path.name)

    if version is None:
        version = (date.fromisoformat(row.publish) if row and row.publish else None) or (
            max(line.day for line in history) if history else None)
    top = relative.parts[0] if len(relative.parts) > 1 else ""
    level = row.level if row else _FOLDER_LEVELS.get(top) or ("法律" if top in _LAW_SECTORS else None)

    body_text, articles = body_and_articles(body)
    # only a line of this version's date names this version's number
    version_lines = [line for line in history if line.day == version]
    doc_number = next((n for n in (doc_number_of(line.event) for line in version_lines) if n), None)
    issuers = next((found for found in map(issuers_of, (line.event for line in version_lines)) if found), [])
    if not issuers:  # this version's line names no body: the one that enacted the text
        enacting = [line for line in history if "通过" in line.event] or [
            line for line in history if re.search("公布|发布", line.event)]
        issuers = issuers_of(enacting[0].event) if enacting else issuers_in_title(title)
    if not issuers and len(relative.parts) > 2 and relative.parts[0] == "部门规章":
        issuers = [relative.parts[1]]
    if not issuers:
        issuers = list(_DEFAULT_ISSUERS.get(level or "", []))
    region = region_of(relative, title)
    if not issuers and level == "地方性法规":
        # local regulations are made by the standing committee of the local people's congress
        issuers = [re.sub(r"^.*?省(?=.+市$)", "", region) + "人民代表大会常务委员会"]
    effective = effective_date_of(history, body_text, version)
    if effective is None and row and row.valid_from:
        effective = date.fromisoformat(row.valid_from)
    declared = "expired" if row and row.expired and not (sidecar and sidecar.has_newer(row)) else None

    full_title = title if not subtitle or level == "案例" else f"{title}·{subtitle}"
    family_key = f"{region}|{short_title(full_title)}"
    if level == "案例" and subtitle:
        full_title = f"{subtitle}：{title}"
        family_key = f"case|{relative.as_posix()}"
    # a code is its folder (with the version date of its files' names, if they carry one)
    source_path = relative.parent.as_posix() + (f"({version_match.group(1)})" if version_match else "") if code \
        else relative.as_posix()
    return Document(
        id=make_id("lawrefbook", source_path if not code else f"{source_path}/{title}"),
        title=full_title,
        issuers=issuers,
        doc_number=doc_number,
        publish_date=version,
        effective_date=effective,
        declared_status=declared,
        level=level,
        doc_type=_doc_type(title),
        topics=[relative.parts[0]] if relative.parts and relative.parts[0] in _LAW_SECTORS else [],
        region=region,
        family_id=make_id("family", family_key),
        body=body_text,
        articles=articles,
        source_path=source_path,
    )


def _corpus_root(path: Path) -> Path | None:
    """The folder holding the top-level sidecar (the corpus root), for stable ids."""
    return next((folder for folder in _sidecar_folders(path.parent)
                 if folder.name != "DLC" and folder.parent.name != "DLC"), None)


_COMMENT = re.compile(r"<!--.*?-->")


_DOC_TYPES = ("实施细则", "细则", "条例", "规定", "办法", "决定", "解释", "规则", "批复", "意见", "通知", "法典", "法", "规范",
              "章程", "纲要")


def _doc_type(title: str) -> str | None:
    core = re.sub(r"[（(].*?[)）]$", "", title)
    return next((t for t in _DOC_TYPES if core.endswith(t)), None)
