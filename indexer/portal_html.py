"""Government portal pages (政府信息公开): what the page states, read as a careful person would.

Portals are built on many CMSs (TRS, Hanweb 大汉, 拓尔思 …), so nothing here depends on one
site's CSS classes:

- the body is found by a main-content extractor (trafilatura), on the page with its chrome
  (navigation, share bars, font-size controls, footers) taken out, and cleaned of the chrome
  lines that extractors keep;
- the metadata is read from the 政府网站 meta tags every page of a government site carries
  (ArticleTitle, PubDate, ContentSource, SiteName, ColumnName, Url), from labelled values
  outside the body (索 引 号：…, 发文机关：…, label and value in one cell or in two), from
  the document itself (文号 above the title, the 落款 with its issuers and 成文日期, 施行日期
  and 有效期 in the text, a 政府令's number) and from a status a script writes;
- level and region follow from the number, the column and the issuer's place (a table of
  regions, `indexer/regions.py`).

Every step is linear in the size of the page, whatever its nesting.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from analyzers import normalize_doc_number
from analyzers.normalize import DOC_NUMBER_PATTERN
from indexer.dates import DATE_PATTERN, chinese_number, parse_date
from indexer.encoding import read_text
from indexer.errors import NotADocument, ParseError
from indexer.metadata import INTERPRETATION_TITLE, field_of, interpretation_reference, normalize_label, to_fields
from indexer.regions import NATIONAL, Place, place_by_code, place_of, region_of
from policy_search.schema import Document, Kind, make_id

# --- the page as text -------------------------------------------------------------------

_NOT_TEXT = ("script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "select",
             "option", "button", "input", "textarea", "map", "canvas", "audio", "video")
_BLOCK = frozenset("""address article aside blockquote body br caption center dd details dialog div dl dt
fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section
summary table tbody td tfoot th thead tr ul""".split())
_CHROME_TAGS = ("nav", "header", "footer", "aside")
_CHROME_NAMES = re.compile(
    r"nav|menu|footer|foot\b|header|head\b|top-?bar|breadcrumb|crumb|position|location|share|bdshare|jiathis|"
    r"fenxiang|toolbar|tool-?bar|sidebar|side\b|aside|copyright|print|related|xgwj|xgxw|search|login|"
    r"qrcode|erweima|font-?size|zoom-?(btn|tool)|fontsize|wza|gotop|backtop|scroll-?top|comment|friend-?link|"
    r"links\b|pager|pagination", re.I)
_CONTENT_NAMES = re.compile(r"content|article|zoom(?!-?(btn|tool))|trs_editor|editor|main|detail|text|zw\b|body|"
                            r"info_cont|wzcon|view", re.I)
# Lines of chrome that extractors keep (short lines only: the text never consists of them).
_CHROME_LINE = re.compile(
    r"^[【\[]?\s*(打印(本页|页面|文章)?|关闭(本页|窗口|页面)?|返回顶部|回到顶部|返回|收藏|纠错|"
    r"扫一扫(在手机(上)?(打开|阅读)当前页)?|用手机扫描二维码|分享(到|文章到)?|微信|微博|"
    r"(字体|字号|浏览字号)[:：]?\s*[【\[]?\s*(大|中|小|A\+|A-|A|\s)*[】\]]?|[大中小](\s*[大中小]){2}|"
    r"A\s*[+-]?|听全文|内容纠错|使用帮助|[|｜·\-—]+|次|取消|"
    r"(浏览|阅读|访问|点击)(次数|量)[:：]?.*)\s*[】\]]?\s*$")
_CHROME_TAIL = re.compile(r"^(相关(附件|新闻|链接|文章|阅读|信息)|附件下载|主办单位|版权所有|网站标识码|ICP备|"
                          r"粤公网安备|联系我们|网站地图|扫一扫|标签[:：]?$|上一篇|下一篇)")
_LINK_BOXES = frozenset(("ul", "ol", "dl", "div", "table", "section", "td"))
_ATTACHMENT = re.compile(r"\.(docx?|xlsx?|pdf|wps|zip|rar|ofd|et)\b|附件", re.I)
_SPACES = re.compile(r"[\s\u200b]+")

_MAX_DEPTH = 64
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
_NESTING = frozenset("div table tbody thead tr td th section article span font ul ol li dl dd center blockquote".split())


def _flattened(html: str) -> str:
    """The page with container tags deeper than `_MAX_DEPTH` taken out (their text kept).

    HTML parsers cap their depth (libxml2 drops what lies below 256 levels) and tree
    algorithms slow down on deep trees; real pages are far shallower."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        if match.group(2).lower() in _NESTING:
            depth += -1 if match.group(1) else 1
            deepest = max(deepest, depth)
    if deepest <= _MAX_DEPTH:
        return html
    depth = 0

    def keep(match: re.Match) -> str:
        nonlocal depth
        if match.group(2).lower() not in _NESTING:
            return match.group(0)
        if match.group(1):
            depth -= 1
            return match.group(0) if depth < _MAX_DEPTH else "\n"
        depth += 1
        return match.group(0) if depth <= _MAX_DEPTH else "\n"

    return _TAG.sub(keep, html)


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _lines(root) -> list[str]:
    """The text of an element as its lines: a line break at each block element, inline
    elements run together (2019<span>年</span>6月 is one date), spaces folded."""
    parts: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _BLOCK:
                parts.append("\n")
            if element.text and tag:
                parts.append(element.text)
        else:
            if tag in _BLOCK:
                parts.append("\n")
            if element.tail and element is not root:
                parts.append(element.tail)
    lines = (_clean(line) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def _names(element) -> str:
    return " ".join([element.get("id") or "", element.get("class") or ""]).strip()


def _strip_chrome(root) -> None:
    """Take out navigation, headers, footers and elements named as chrome (share bars,
    breadcrumbs, font-size controls, sidebars), but never a content container."""
    doomed = []
    for element in root.iter(etree.Element):
        if element.tag in _CHROME_TAGS:
            doomed.append(element)
            continue
        names = _names(element)
        if names and _CHROME_NAMES.search(names) and not _CONTENT_NAMES.search(names):
            doomed.append(element)
    doomed.extend(_link_lists(root))
    for element in doomed:
        if element.getparent() is not None:
            _drop(element)


def _link_lists(root) -> list:
    """Lists and boxes of links (other headlines, the departments' sites): six links or
    more that hold most of their text, with little text besides. Attachment lists stay
    (附件1.docx …). Counted in one pass from the leaves up."""
    found = []
    counts: dict = {}  # element -> (characters, characters in links, links)
    for _, element in etree.iterwalk(root, events=("end",)):
        is_link = element.tag == "a"
        chars = len(_clean(element.text or ""))
        linked = links = 0
        for child in element:
            child_chars, child_linked, child_links = counts.pop(child, (0, 0, 0))
            chars += child_chars + len(_clean(child.tail or ""))
            linked += child_linked
            links += child_links
        if is_link:
            linked, links = chars, links + 1
        counts[element] = (chars, linked, links)
        if (element.tag in _LINK_BOXES and links >= 6 and chars and linked >= 0.7 * chars
                and chars - linked < 200 and not _ATTACHMENT.search("".join(element.itertext()))):
            found.append(element)
    return found


def _drop(element) -> None:
    """Remove an element but keep its tail text."""
    parent = element.getparent()
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


# --- labels --------------------------------------------------------------------------------

# Labels that portals use beyond the shared table in metadata.py.
_PAGE_LABELS = {
    "发表时间": "publish_date", "时间": "publish_date", "日期": "publish_date", "发文日期": "publish_date",
    "来源": "source", "文章来源": "source", "信息来源": "source", "稿件来源": "source", "发布单位": "issuers",
    "文件状态": "validity", "状态": "validity", "效力": "validity", "有效期": "expiry_date",
}
_LABEL_WORDS = sorted({*_PAGE_LABELS, "索引号", "信息索引号", "主题分类", "分类", "发文机关", "发布机构", "发文单位",
                       "制定机关", "发布机关", "发文机构", "成文日期", "产生时间", "生成日期", "成文时间", "标题",
                       "信息名称", "名称", "文件名称", "发文字号", "文号", "文件编号", "字号", "发布日期", "公布日期",
                       "发布时间", "公开日期", "施行日期", "实施日期", "生效日期", "失效日期", "废止日期", "有效性",
                       "时效性", "效力状态", "效力等级", "文种", "主题词", "公开形式", "公开时限", "审查程序",
                       "责任部门", "内容描述", "公开方式", "公开范围"}, key=len, reverse=True)
# A label as portals print it: characters padded with spaces for alignment (索 引 号, 文　　号).
_LABEL_AT = re.compile(
    r"(?:^|(?<=\s))(" + "|".join(r"\s*".join(map(re.escape, word)) for word in _LABEL_WORDS) + r")\s*[:：]\s*")
_BARE_LABEL = re.compile(r"^(" + "|".join(r"\s*".join(map(re.escape, word)) for word in _LABEL_WORDS) + r")\s*[:：]?$")


_LEADING_DATE = re.compile(r"(?:19|20)\d\d\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?\s+")
_VALUE_END = re.compile(r"\s+[\u4e00-\u9fff]{2,6}\s*[:：]|[【\[|｜]")


def _field(label: str) -> str | None:
    return _PAGE_LABELS.get(normalize_label(label)) or field_of(label)


def _label_pairs(line: str) -> list[tuple[str, str]] | None:
    """`label：value` pairs of a line that starts with a label (several may share a line:
    发布日期：… 文章来源：…), or None when it does not start with one."""
    pairs = []
    dated = _LEADING_DATE.match(line)  # 2024-01-05 09:30 来源：…: the date of the page
    if dated and _LABEL_AT.match(line, dated.end()):
        pairs.append(("发布日期", dated.group(0).strip()))
        line = line[dated.end() :]
    matches = list(_LABEL_AT.finditer(line))
    if not matches or matches[0].start() != 0:
        return None
    for match, following in zip(matches, [*matches[1:], None]):
        value = line[match.end() : following.start() if following else len(line)]
        # what follows on the line is not the value: 浏览次数：…, 【字体：大 中 小】, | 分享
        value = _VALUE_END.split(value, maxsplit=1)[0].strip()
        pairs.append((normalize_label(match.group(1)), value))
    return pairs


def _is_label_line(line: str) -> bool:
    return _label_pairs(line) is not None or bool(_BARE_LABEL.match(line))


def _label_blocks(root) -> list:
    """Metadata blocks: tables, lists and definition lists whose cells or items are mostly
    labels and their values (a content table with a 分类 column is not one)."""
    found = []
    for element in root.iter("table", "ul", "ol", "dl"):
        cells = element.findall(".//td") + element.findall(".//th") if element.tag == "table" else \
            [child for child in element if child.tag in ("li", "dt", "dd")]
        if len(cells) < 2 or len(cells) > 80:
            continue
        labels = 0
        for cell in cells:
            text = _clean("".join(cell.itertext()))
            if text and (_label_pairs(text) is not None or _BARE_LABEL.match(text)):
                labels += 1
        if labels >= 2 and labels * 4 >= len(cells):
            found.append(element)
    return found


def _labelled(lines: list[str], title: str | None) -> list[tuple[str, str]]:
    """Label → value pairs of metadata lines; a label alone on its line (a table cell)
    takes the next line as its value unless that is a label too."""
    pairs: list[tuple[str, str]] = []
    for index, line in enumerate(lines):
        found = _label_pairs(line)
        bare = None if found else _BARE_LABEL.match(line)
        if bare:
            found = [(normalize_label(bare.group(1)), "")]
        if not found:
            continue
        label, value = found[-1]
        if not value and index + 1 < len(lines) and not _is_label_line(lines[index + 1]):
            found[-1] = (label, lines[index + 1])
        pairs.extend((label, value) for label, value in found if value and value != title)
    return pairs


# --- dates, numbers, issuers in the text ---------------------------------------------------

_ORG_SUFFIX = re.compile(r"(人民政府|政府|办公厅|办公室|委员会|委|局|厅|部|署|院|会|中心|处|办|所|站|队|联合会|"
                         r"公司|集团|银行|法院|检察院|统战部|宣传部|组织部)(（[^）]{1,30}）)?$")
_PLACE_START = re.compile(r"^(中共|中国共产党)?[\u4e00-\u9fff]{1,8}?(省|市|区|县|州|盟|旗|自治区)")
_DATE_LINE = re.compile(r"^((?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
                        r"|[〇零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日"
                        r"|(?:19|20)\d\d[-./]\d{1,2}[-./]\d{1,2})$")
_SIGNED_BY_OFFICE = re.compile(r"^[\u4e00-\u9fff ]{1,8}[:：]\s*[\u4e00-\u9fff·]{2,6}$")
_ISSUED_ON = re.compile(r"((?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*印发\s*$")
_ORDER = re.compile(r"([\u4e00-\u9fff]{2,20}?(?:人民政府|国务院|[\u4e00-\u9fff]部|委员会|局|署))令\s*第\s*(\d{1,5})\s*号")
_PROMULGATED = re.compile(r"^[（(]\s*((?:19|20)\d\d年\d{1,2}月\d{1,2}日)\s*[\u4e00-\u9fff]*?"
                          r"([\u4e00-\u9fff]{2,20}令第\d{1,5}号)\s*公布")
_EFFECTIVE = re.compile(r"自\s*((?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*起\s*(?:施行|实施|执行|生效)")
_FROM_ISSUE = re.compile(r"自(印发|发布|公布)之日起(?:施行|实施|执行|生效)")
_VALID_FOR = re.compile(r"有效期(?:为)?\s*([一二三四五六七八九十\d]{1,3})\s*年")
_VALID_UNTIL = re.compile(r"有效期(?:至|到|截至)\s*((?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)")


def _is_org(text: str) -> bool:
    return 2 <= len(text) <= 40 and bool(_ORG_SUFFIX.search(text)) and not re.search(r"[，。：:；;、！？“”《》\d]", text)


def _signature(lines: list[str]) -> tuple[list[str], date | None]:
    """The first 落款: the issuers' lines (several on a line or one a line) right above a
    line that is a date alone. Its issuers and its date (成文日期)."""
    for index, line in enumerate(lines):
        if not _DATE_LINE.match(line.replace(" ", "")) or index == 0:
            continue
        issuers: list[str] = []
        above = index - 1
        while above >= 0 and above >= index - 4:
            parts = lines[above].split(" ")
            if not all(_is_org(part) for part in parts):
                break
            issuers[:0] = parts
            above -= 1
        if issuers:
            return list(dict.fromkeys(issuers)), parse_date(line)
        if _SIGNED_BY_OFFICE.match(lines[index - 1]):  # a 政府令: 市 长：温国辉 / 2021年1月29日
            return [], parse_date(line)
    return [], None


def _number(value: str) -> int:
    return int(value) if value.isdigit() else chinese_number(value)


def _years_later(day: date, years: int) -> date:
    """The last day of a validity period of `years` years from `day` (有效期5年 from
    2024-03-04 runs to 2029-03-03, as 规范性文件 platforms print it)."""
    try:
        end = day.replace(year=day.year + years)
    except ValueError:  # 29 February
        end = day.replace(year=day.year + years, day=28) + timedelta(days=1)
    return end - timedelta(days=1)


def _doc_number_in(lines: list[str]) -> str | None:
    """A document number printed on a line of its own near the top of the text."""
    for line in lines[:8]:
        folded = unicodedata.normalize("NFKC", line).replace(" ", "")
        match = DOC_NUMBER_PATTERN.fullmatch(folded)
        if match:
            return normalize_doc_number(folded)
    return None


def _order_number(lines: list[str]) -> tuple[str | None, date | None]:
    """A 政府令's number (广州市人民政府令 第179号; （2021年7月27日中华人民共和国国务院令第746号公布）)
    and the day it was promulgated, where the text says."""
    head = [unicodedata.normalize("NFKC", line).replace(" ", "") for line in lines[:6]]
    for line in head:
        promulgated = _PROMULGATED.match(line)
        if promulgated:
            return _short_order(promulgated.group(2)), parse_date(promulgated.group(1))
    joined = "".join(head[:3])
    match = _ORDER.match(joined)
    if match:
        return _short_order(f"{match.group(1)}令第{match.group(2)}号"), None
    return None, None


def _short_order(number: str) -> str:
    return number.removeprefix("中华人民共和国")


# --- issuers -------------------------------------------------------------------------------

_NOT_AN_ISSUER = re.compile(r"^(本网|本站|原创|转载|网站|管理员|admin)$", re.I)


def _sources(value: str, site: Place | None) -> list[str]:
    """The issuers a 来源 names: split at 、，；, and at spaces only between complete names
    (市人力资源社会保障局 市劳动就业服务管理中心), not inside one (市人社局 人力资源流动管理处:
    a division of the first); a site's "官网" and "本网" dropped; 市/区 expanded to the
    page's own city or district where that is certain."""
    issuers: list[str] = []
    for part in re.split(r"[、，,；;]+", _clean(value)):
        part = re.sub(r"^(本网|本站)", "", part.strip())
        part = re.sub(r"(官网|官方网站|门户网站|网站)$", "", part).strip()
        if not part or _NOT_AN_ISSUER.match(part):
            continue
        pieces = part.split(" ")
        if len(pieces) > 1:
            named = [p for p in pieces if _PLACE_START.match(p) or p.startswith(("市", "区", "县"))]
            pieces = named if named and named[0] == pieces[0] else [part.replace(" ", "")]
        issuers.extend(_expanded(piece, site) for piece in pieces)
    return list(dict.fromkeys(i for i in issuers if i))


def _expanded(name: str, site: Place | None) -> str:
    """市政府 → 广州市政府 on a site of 广州市 or of one of its districts; 区住建园林局 →
    广州市天河区住建园林局 on 天河区's site; 天河区教育局 → 广州市天河区教育局. Else as written."""
    if site is None:
        return name
    city = site if site.code.endswith("00") and not site.code.endswith("0000") else place_by_code(site.code[:4] + "00")
    county = site if not site.code.endswith("00") else None
    if city is None:
        return name
    if name.startswith("市") and not name.startswith("市场"):
        return city.name + name[1:]
    if name.startswith("区") and county:
        return city.name + county.name + name[1:]
    if not name.startswith(city.name):
        place = place_of(name, city)
        if place and place.code[:4] == city.code[:4] and place.code != city.code and name.startswith(place.name):
            return city.name + name
    return name


# --- the record ----------------------------------------------------------------------------

_DOC_TYPES = ("实施细则", "实施办法", "实施方案", "指导意见", "通知", "意见", "办法", "规定", "决定", "方案", "通告", "公告",
              "条例", "细则", "规划", "批复", "函", "规则", "规程", "决议", "命令", "措施", "准则", "纲要", "章程", "解释",
              "法", "令")
_TRAILING = re.compile(r"[（(](试行|暂行|修订|修正|征求意见稿|\d{4}年(修订|修正|版)?|"
                       r"\d{4}\s*[-—–－~至]\s*\d{4}\s*年?)[)）]$")
_TITLE_NAMES = re.compile(r"(^|[\s_-])(title|tit|bt|biaoti|article-?title|news-?title|detail-?title|con-?title)"
                          r"($|[\s_-])", re.I)
_GENERIC_TITLE = re.compile(r"门户网站|人民政府网|政府网$|网站$|^首页$|信息公开$")
_REPOST = re.compile(r"^[（(【\[]\s*转载\s*[）)】\]]\s*")
_LIST_PAGER = re.compile(r"下一页|尾页|最后一页|末页|共\s*\d+\s*页|第\s*\d+\s*页")
_INTERPRETATION_COLUMN = re.compile(r"解读")
_NOT_INTERPRETATION_COLUMN = re.compile(r"及解读|和解读|与解读")
_LEVEL_BY_NUMBER = (
    (re.compile(r"^(中华人民共和国)?主席令"), "法律"),
    (re.compile(r"^(中华人民共和国)?国务院令"), "行政法规"),
    (re.compile(r"人民政府令"), "地方政府规章"),
    (re.compile(r"^[\u4e00-\u9fff]{2,12}(部|委员会|总局|局|署|行)令"), "部门规章"),
    (re.compile(r"规(字)?[〔\[(（【]"), "行政规范性文件"),
)


def parse_portal_html(path: Path) -> list[Document]:
    return [read_page(read_text(path), path)]


def read_page(text: str, path: Path, url: str | None = None) -> Document:
    """`page_document`, with whatever error a page shaped as no page should be causes as a
    ParseError: reported with the file (or the request), never a crash of the run."""
    try:
        return page_document(text, path, url)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError) as error:
        raise ParseError(f"cannot read the page ({type(error).__name__}: {error})") from None


def page_document(text: str, path: Path, url: str | None = None) -> Document:
    """The record a portal page gives (ParseError when it gives none, NotADocument for a
    column list page). `url`: where the page is published, when the sender knows it (a CMS
    pushing the page): it wins over the page's own Url meta tag or canonical link."""
    if not re.search(r"<(html|body|div|p|table)\b", text[:20000], re.I):
        raise ParseError("not an HTML page")
    try:
        root = lxml.html.document_fromstring(_flattened(text))
    except (etree.ParserError, ValueError) as error:
        raise ParseError(f"cannot parse the HTML: {error}") from None
    body_element = root.find("body")
    if body_element is None:
        raise ParseError("the page has no body")
    meta = _meta(root)
    script_status = _script_status(root)
    icon_dates = _icon_dates(root)
    source_url = url or _source_url(root, meta)
    links = _labelled_links(root, source_url)
    etree.strip_elements(root, *_NOT_TEXT, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    lines = _lines(body_element)
    site = place_of(meta.get("sitename", "")) if meta.get("sitename") else None
    title, reposted = _title(root, meta, lines)
    if _is_list_page(root, meta, lines):
        raise NotADocument("skipped: list page (a column's list of headlines with a pager, not a document)")
    if not title:
        raise ParseError("no title (no ArticleTitle meta tag, 标题 label, <h1> or <title>)")

    _strip_chrome(body_element)
    for block in _label_blocks(body_element):
        if block.getparent() is not None:
            _drop(block)
    body_lines = _body_lines(root, title)

    start, end = _locate(lines, body_lines)
    body_lines, inside = _leading_labels(body_lines, title)
    pairs = _labelled(lines[:start], title) + inside + _labelled(lines[end:], title)
    if not body_lines and not pairs:
        raise ParseError("no content: the page is empty or truncated before its text")

    special: dict[str, list[str]] = {"source": [], "issuers": [], "publish_date": [], "expiry_date": []}
    standard: dict[str, str] = {}
    for label, value in pairs:
        field = _field(label)
        if field in special:
            special[field].append(value)
        elif field and label not in standard:
            standard[label] = value
    fields = to_fields(standard)
    fields.pop("title", None)
    fields.pop("issuers", None)

    document_text = "\n".join(body_lines)
    signed_by, signed_on = _signature(body_lines)
    order_number, promulgated_on = _order_number(body_lines)

    doc_number = fields.get("doc_number") or order_number or _doc_number_in(body_lines)
    if doc_number:
        fields["doc_number"] = normalize_doc_number(doc_number)

    issuers = _issuers(signed_by, special, meta, site, order_number, reposted)
    publish = (promulgated_on or _first_date(special["publish_date"]) or parse_date(meta.get("pubdate"))
               or _time_pubdate(root) or icon_dates or _date_under_title(lines, title) or _marked_up_date(root))
    if publish:
        fields["publish_date"] = publish
    if signed_on and "written_date" not in fields:
        fields["written_date"] = signed_on
    _validity(fields, script_status, document_text, special["expiry_date"], body_lines)

    kind = _kind(title, meta, lines, fields, signed_by)
    region = _region(issuers, fields.get("doc_number"), site)
    if kind is Kind.POLICY and not fields.get("level"):  # a labelled 效力等级 stands
        fields["level"] = _level(fields.get("doc_number"), meta, lines[:start])
    return Document(
        id=make_id("html", source_url or fields.get("index_no") or path.name, title),
        kind=kind,
        title=title,
        issuers=issuers,
        body=document_text,
        source_url=source_url,
        source_path=str(path),
        doc_type=_doc_type(title, kind),
        interprets_ref=_interprets_ref(title, document_text, links) if kind is Kind.INTERPRETATION else None,
        region=region,
        **fields,
    )


def _meta(root) -> dict[str, str]:
    """The page's meta tags by lower-case name (the 政府网站 tags: articletitle, pubdate,
    contentsource, sitename, columnname, url …)."""
    meta: dict[str, str] = {}
    for element in root.iter("meta"):
        name = (element.get("name") or element.get("property") or "").strip().lower()
        content = _clean(element.get("content") or "")
        if name and content and name not in meta:
            meta[name] = content
    return meta


_STATUS_SCRIPT = re.compile(r"""(?:file_?status|filestatus|fileStatus|yxx|sxzt|status)\s*=\s*['"]([^'"]{1,20})['"]""", re.I)


def _script_status(root) -> str | None:
    """A validity status that a script writes into the page (var file_status = '失效')."""
    for script in root.iter("script"):
        for value in _STATUS_SCRIPT.findall(script.text or ""):
            if re.search(r"有效|失效|废止|废除|修订|修改", value):
                return value
    return None


def _icon_dates(root) -> date | None:
    """A date whose label is only an icon's or element's title (<i title="发布时间"></i>2024-…)."""
    for element in root.xpath("//*[@title]"):
        if _field(element.get("title") or "") != "publish_date":
            continue
        text = "".join(element.itertext()) + (element.tail or "")
        following = element.getnext()
        if following is not None:
            text += " " + _text_of(following)
        day = parse_date(text)
        if day:
            return day
    return None


def _time_pubdate(root) -> date | None:
    for element in root.xpath("//time[@pubdate] | //time[@itemprop='datePublished'] | //*[@itemprop='datePublished']"):
        day = parse_date(element.get("datetime") or element.get("content") or "".join(element.itertext()))
        if day:
            return day
    return None


def _title(root, meta: dict[str, str], lines: list[str]) -> tuple[str | None, bool]:
    """The title, and whether the page marks the document as reposted (（转载）…)."""
    site = meta.get("sitename", "")
    candidates = [meta.get("articletitle")]
    candidates += [_clean("".join(element.itertext())) for element in root.iter("h1")]
    candidates += [_clean("".join(element.itertext())) for element in root.iter("div", "p", "span", "td", "strong")
                   if _TITLE_NAMES.search(_names(element)) and len(element) <= 3]
    page_title = root.find(".//title")
    if page_title is not None and page_title.text:
        candidates.append(_title_of_page(_clean(page_title.text), site, meta.get("columnname", "")))
    candidates += [_clean("".join(element.itertext())) for element in root.iter("h2")]
    for candidate in candidates:
        candidate = _clean(candidate or "")
        if len(candidate) < 4 or len(candidate) > 150 or _GENERIC_TITLE.search(candidate) \
                or candidate in (site, meta.get("columnname")) or _is_org(candidate):  # a site's name
            continue
        if re.search(r"位置|首页\s*[>›»]|^首页", candidate):  # a breadcrumb in an <h1>
            continue
        reposted = bool(_REPOST.match(candidate))
        return _REPOST.sub("", candidate), reposted
    return None, False


def _title_of_page(text: str, site: str, column: str) -> str:
    """A <title> without the site's and the column's names around it."""
    parts = [p for p in re.split(r"\s+[-_|—–]+\s+|\s*[_|]\s*|\s*[-—–]\s*(?=[^-—–]*(网站|门户|政府网))", text) if p]
    kept = [p for p in parts if p and p not in (site, column) and not _GENERIC_TITLE.search(p)]
    return max(kept, key=len) if kept else ""


def _body_lines(root, title: str) -> list[str]:
    """The document's text as lines: the main content as trafilatura finds it, without the
    chrome lines it keeps and without what follows the text (related links, footers)."""
    import trafilatura  # imported with the first page (0.4 s): not every run reads HTML

    extracted = trafilatura.extract(root, include_tables=True, include_comments=False, include_links=False,
                                    include_images=False, deduplicate=False)
    lines = [_clean(line) for line in (extracted or "").split("\n")]
    if sum(len(line) for line in lines) < 20:
        body = root.find("body")
        lines = _lines(body) if body is not None else []
    kept: list[str] = []
    for line in lines:
        if not line:
            continue
        if _CHROME_TAIL.match(line) and len(kept) > 3:
            break
        if (len(line) <= 40 and _CHROME_LINE.match(line)) or not line.strip("| "):
            continue
        kept.append(line)
    # what an extractor keeps above the title (a home link, a breadcrumb) is not the text
    heading = next((i for i, line in enumerate(kept[:15]) if line == title), None)
    if heading is not None and all(len(line) <= 20 and not re.search(r"[，。；：:]|〔|令", line)
                                   for line in kept[:heading]):
        del kept[: heading + 1]
    while kept and _is_breadcrumb(kept[0]):
        kept.pop(0)
    return kept


def _is_breadcrumb(line: str) -> bool:
    return bool(re.match(r"^(您(当前)?所在的?位置|当前位置|所在位置)", line))


def _leading_labels(body_lines: list[str], title: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Metadata lines at the top of the extracted text (发布日期：… 来源：…) moved out of it."""
    index = 0
    taken: list[str] = []
    while index < len(body_lines) and index < 40:
        line = body_lines[index]
        if _is_label_line(line):
            taken.append(line)
            index += 1
            if _BARE_LABEL.match(line) and index < len(body_lines) and not _is_label_line(body_lines[index]):
                taken.append(body_lines[index])
                index += 1
            continue
        if line == title or (taken and index < 40 and _DATE_LINE.match(line.split(" ")[0] if line else "")
                             and len(line) <= 20):
            taken.append(line)
            index += 1
            continue
        break
    rest = body_lines[index:]
    end = len(rest)
    while end > 0 and end > len(rest) - 4 and _label_pairs(rest[end - 1]):
        end -= 1
    taken += rest[end:]
    return rest[:end], _labelled(taken, title)


def _locate(lines: list[str], body_lines: list[str]) -> tuple[int, int]:
    """Where the extracted text lies among the page's lines: (start, end) indices. The
    start is where its first lines follow each other (a document number may also stand in
    the metadata block above)."""
    if not body_lines:
        return len(lines), len(lines)

    def same(line: str, body_line: str) -> bool:
        return body_line in line or (len(line) > 8 and line in body_line)

    head = body_lines[:3]
    start = next((i for i in range(len(lines)) if all(
        i + k < len(lines) and same(lines[i + k], b) for k, b in enumerate(head))), None)
    if start is None:
        start = next((i for i, line in enumerate(lines) if same(line, body_lines[0])), None)
    if start is None:
        return len(lines), len(lines)
    last = body_lines[-1]
    end = next((i + 1 for i in range(len(lines) - 1, start - 1, -1) if same(lines[i], last)), start + 1)
    return start, max(end, start + 1)


def _marked_up_date(root) -> date | None:
    """The publication date in other markup (article:published_time, DC.date, publishdate
    meta tags …), as htmldate reads it without searching the text."""
    import htmldate  # imported with the first page that needs it: not every run reads HTML

    found = htmldate.find_date(root, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    return date.fromisoformat(found) if found else None


def _first_date(values: list[str]) -> date | None:
    return next((day for day in map(parse_date, values) if day), None)


def _date_under_title(lines: list[str], title: str) -> date | None:
    """A date that opens one of the lines right under the title."""
    for index, line in enumerate(lines):
        if line == title:
            for following in lines[index + 1 : index + 4]:
                if DATE_PATTERN.match(following):  # 2025-10-17 09:00:00, 2024-01-05 来源：…
                    return parse_date(following)
    return None


def _issuers(signed_by: list[str], special: dict[str, list[str]], meta: dict[str, str], site: Place | None,
             order_number: str | None, reposted: bool) -> list[str]:
    """Who issued the document: the 落款 (joint documents list every co-issuer there; a
    reposted document's 落款 is its original issuer's), else a 政府令's government, else the
    labelled issuers, else the 来源."""
    if signed_by:
        return [_expanded(name, site) for name in signed_by]
    if order_number:
        match = re.match(r"(.+?)令", order_number)
        if match:
            return [match.group(1)]
    labelled = _sources(special["issuers"][0], site) if special["issuers"] else []
    if labelled and not reposted:
        return labelled
    sources = _sources(special["source"][0], site) if special["source"] else []
    if not sources and meta.get("contentsource"):
        sources = _sources(meta["contentsource"], site)
    return sources or labelled


def _validity(fields: dict, script_status: str | None, text: str, expiry_values: list[str],
              body_lines: list[str]) -> None:
    """Status, effective and expiry dates from what the page says (labels, a script's
    status, the text: 自2023年9月8日起施行, 自印发之日起施行, 有效期5年, 有效期至…)."""
    status_text = script_status
    if status_text:
        if re.search(r"废止|废除|撤销", status_text):
            fields["declared_status"] = "repealed"
        elif "失效" in status_text:
            fields["declared_status"] = "expired"
        elif "有效" in status_text:
            fields.pop("declared_status", None)
    folded = unicodedata.normalize("NFKC", text).replace(" ", "")
    issued = None
    for line in body_lines:
        match = _ISSUED_ON.search(unicodedata.normalize("NFKC", line).replace(" ", ""))
        if match:
            issued = parse_date(match.group(1))
            break
    if "effective_date" not in fields:
        effective = _clause(_EFFECTIVE, folded)
        from_issue = _clause(_FROM_ISSUE, folded)
        if effective and (not from_issue or effective.start() > from_issue.start()):
            fields["effective_date"] = parse_date(effective.group(1))
        elif from_issue:
            base = fields.get("publish_date") if from_issue.group(1) in ("发布", "公布") else issued
            if base:
                fields["effective_date"] = base
    if "expiry_date" not in fields:
        explicit = _first_date(expiry_values)
        until = _clause(_VALID_UNTIL, folded)
        period = _clause(_VALID_FOR, folded)
        start = fields.get("effective_date")
        if explicit:
            fields["expiry_date"] = explicit
        elif until:
            fields["expiry_date"] = parse_date(until.group(1))
        elif period and start:
            fields["expiry_date"] = _years_later(start, _number(period.group(1)))
    if fields.get("declared_status") == "repealed" and fields.get("expiry_date") and "repealed_date" not in fields:
        fields["repealed_date"] = fields["expiry_date"]


_OWN_CLAUSE = re.compile(r"本(实施)?(办法|通知|规定|细则|意见|方案|措施|决定|条例|公告|通告|规则|指引|标准|令)[^。；]*$")


def _clause(pattern: re.Pattern, text: str) -> re.Match | None:
    """Where the document says it of itself (本办法自…起施行，有效期5年), else the last
    mention (the 附则 close a document; an earlier mention is usually about another one)."""
    matches = list(pattern.finditer(text))
    own = [m for m in matches if _OWN_CLAUSE.search(text[max(0, m.start() - 60) : m.start()])]
    if own:
        return own[0]
    return matches[-1] if matches else None


def _kind(title: str, meta: dict[str, str], lines: list[str], fields: dict, signed_by: list[str]) -> Kind:
    """An interpretation (by its title, else by a 解读 column unless the title names a
    policy's 文种), a policy document (a number, or a title naming a 文种), else news and
    service information (其他信息)."""
    if INTERPRETATION_TITLE.search(title) or re.match(r"^(解读|图解)", title):
        return Kind.INTERPRETATION
    plain = _TRAILING.sub("", title)
    names_policy = plain.endswith(_DOC_TYPES) and not re.search(r"[？?！!]", title)
    if fields.get("doc_number") or names_policy:
        return Kind.POLICY
    columns = [c for c in (meta.get("columnname"), _breadcrumb_tail(lines)) if c]
    if any(_INTERPRETATION_COLUMN.search(c) and not _NOT_INTERPRETATION_COLUMN.search(c) for c in columns):
        return Kind.INTERPRETATION
    if fields.get("index_no") and not re.search(r"[？?！!]", title):
        return Kind.POLICY
    return Kind.OTHER


def _breadcrumb_tail(lines: list[str]) -> str | None:
    """The last item of the breadcrumb (您当前所在的位置：首页 > … > 相关政策及解读): the column."""
    for index, line in enumerate(lines[:300]):
        if not _is_breadcrumb(line):
            continue
        inline = re.split(r"\s*[>›»]\s*", re.sub(r"^[^:：>]*[:：]", "", line))
        crumbs = [c for c in inline if c.strip()]
        expect_item = not crumbs or line.rstrip().endswith((">", "›", "»"))
        for following in lines[index + 1 : index + 30]:
            if following in (">", "›", "»"):
                expect_item = True
                continue
            if not expect_item or len(following) > 40:
                break
            crumbs.append(following.strip("> "))
            expect_item = False
        return crumbs[-1] if crumbs else None
    return None


def _doc_type(title: str, kind: Kind) -> str | None:
    if kind is Kind.INTERPRETATION:
        return "解读"
    if kind is Kind.OTHER:
        return None
    plain = _TRAILING.sub("", title)
    found = next((t for t in _DOC_TYPES if plain.endswith(t)), None)
    if found is None:
        return None
    return {"实施细则": "细则", "实施办法": "办法", "实施方案": "方案", "指导意见": "意见"}.get(found, found)


def _level(doc_number: str | None, meta: dict[str, str], above: list[str]) -> str | None:
    """The level (效力等级), which portals never label: from the number's form, else the
    column (ColumnName, or the breadcrumb among the lines `above` the text: …规范性文件 …)."""
    if doc_number:
        for pattern, level in _LEVEL_BY_NUMBER:
            if pattern.search(doc_number):
                return level
    column = " ".join(filter(None, [meta.get("columnname"), *above[-150:]]))
    if re.search(r"规范性文件(统一)?(发布平台|库)|[市区县省]政府规范性文件|部门规范性文件", column):
        return "行政规范性文件"
    return None


def _region(issuers: list[str], doc_number: str | None, site: Place | None) -> str | None:
    if doc_number and re.match(r"^(中华人民共和国)?(国务院|主席)令", doc_number):
        return NATIONAL
    for issuer in issuers:
        region = region_of(issuer, site)
        if region:
            return region
    return None


_POLICY_LINK = re.compile(r"(相关文件|相关政策|政策原文|文件原文|原文链接|原文|政策文件)\s*[:：]?\s*$")


def _interprets_ref(title: str, text: str, links: list[tuple[str, str]]) -> str | None:
    """How an interpretation names its policy: a link to the policy's page (相关文件：<a>),
    else its number or title in the text."""
    for label, href in links:
        if _POLICY_LINK.search(label):
            return href
    return interpretation_reference(title, text)


def _text_of(element) -> str:
    return "".join(element.itertext()) if isinstance(element.tag, str) else ""


def _labelled_links(root, base: str | None) -> list[tuple[str, str]]:
    """Links with the words just before them (相关解读：<a href=…>), as absolute http(s) URLs."""
    found = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        url = urljoin(base, href) if base else href
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        before, parent = anchor.getprevious(), anchor.getparent()
        words = (before.tail if before is not None else parent.text if parent is not None else "") or ""
        if not words.strip() and before is not None:
            words = _text_of(before)
        if not words.strip() and parent is not None and parent.getprevious() is not None:
            words = _text_of(parent.getprevious())
        found.append((_clean(words)[-20:], url))
    return found


def _source_url(root, meta: dict[str, str]) -> str | None:
    """Where the page lives: the Url meta tag or the canonical link (only http(s) URLs:
    a javascript: or data: "URL" is refused)."""
    candidates = [meta.get("url")]
    candidates += [link.get("href") for link in root.iter("link") if "canonical" in (link.get("rel") or "").lower()]
    candidates.append(meta.get("og:url"))
    for candidate in candidates:
        candidate = (candidate or "").strip()
        parts = urlsplit(candidate)
        if parts.scheme.lower() in ("http", "https") and parts.netloc:
            return candidate
    return None


def _is_list_page(root, meta: dict[str, str], lines: list[str]) -> bool:
    """A column's list page: no article of its own, a pager, and most of its text in
    headlines that each carry a date."""
    if meta.get("articletitle") or meta.get("pubdate"):
        return False
    if not _LIST_PAGER.search(" ".join(lines)):
        return False
    items = []
    for element in root.iter("li", "tr", "dd"):
        text = _clean("".join(element.itertext()))
        if 6 <= len(text) <= 150 and element.find(".//a") is not None and DATE_PATTERN.search(text):
            items.append(text)
    page = sum(len(line) for line in lines)
    return len(items) >= 8 and sum(len(text) for text in items) >= 0.25 * page
