"""A corpus of hostile and odd inputs for the indexer, made on the spot.

    python tests/support/fuzz_corpus.py OUT_FOLDER     # writes it, prints what is where

Each case is a file (or link, or folder) under OUT_FOLDER with what the indexer must do
with it: `index` it (odd but valid input: the documents it holds are found), or `fail`
on it (reported with the file and a reason, the rest of the run untouched). The cases
follow what real feeds and disks hold: truncated files, wrong or missing charset
declarations, binary data, NUL bytes, byte-order marks, oversized files, deep nesting,
megabyte lines, JSON of the wrong shape, odd and non-UTF-8 file names, links to devices
and link loops.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

# over the indexer's default limit of 20 MB a file (written sparse: instant, no disk used)
OVERSIZE_BYTES = 50 * 1024 * 1024

_PAGE = """<html><head><meta charset="{charset}"><title>{title}</title></head>
<body><div class="content"><h1>{title}</h1>
<table><tr><td>发文机关：</td><td>测试市人民政府办公室</td><td>发布日期：</td><td>2024-03-01</td></tr></table>
<p>{body}</p></div></body></html>"""

_RECORD_BODY = "第一条 为了规范测试工作，制定本办法。第二条 本办法自公布之日起施行。"


@dataclass
class Case:
    name: str  # path under the corpus folder (bytes where the name is not UTF-8)
    expect: str  # "index" or "fail"
    title: str | None = None  # for "index": a title the indexed documents include


def _page(title: str, body: str = "本通知自印发之日起施行。", charset: str = "utf-8") -> str:
    return _PAGE.format(title=title, body=body, charset=charset)


def _record(**fields) -> str:
    base = {"title": "测试记录", "issuers": ["测试局"], "publish_date": "2024-01-02", "body": _RECORD_BODY}
    return json.dumps({**base, **fields}, ensure_ascii=False)


def _lawrefbook(title: str) -> str:
    return f"# {title}\n\n2020年1月1日测试市人民代表大会常务委员会通过\n\n<!-- INFO END -->\n\n第一条 为了测试，制定本条例。\n\n第二条 本条例自2020年3月1日起施行。\n"


def make_corpus(root: Path) -> list[Case]:
    """Write the corpus under `root` (created); the cases, each with what is expected."""
    root.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def write(name: str, data: bytes | str, expect: str, title: str | None = None) -> Path:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        cases.append(Case(name, expect, title))
        return path

    # --- text that is odd but valid: indexed ---------------------------------------------
    write("valid/gbk-undeclared.html", _page("未声明编码的通知").replace('<meta charset="utf-8">', "").encode("gb18030"),
          "index", "未声明编码的通知")
    write("valid/gbk-declared-utf8.html", _page("声明错误的编码通知").encode("gb18030"), "index", "声明错误的编码通知")
    write("valid/utf8-declared-gbk.html", _page("声明为GBK的通知", charset="gbk"), "index", "声明为GBK的通知")
    write("valid/utf16-bom.html", _page("UTF16编码的通知").encode("utf-16"), "index", "UTF16编码的通知")
    write("valid/bom-then-gbk.html", b"\xef\xbb\xbf" + _page("字节序标记后是GBK的通知").encode("gb18030"),
          "index", "字节序标记后是GBK的通知")
    write("valid/utf8-bom.html", b"\xef\xbb\xbf" + _page("带字节序标记的通知").encode("utf-8"), "index", "带字节序标记的通知")
    write("valid/cut-in-last-character.html", _page("末尾字符截断的通知").encode("utf-8") + "测".encode()[:2],
          "index", "末尾字符截断的通知")
    write("valid/megabyte-line.html", _page("超长段落的通知", body="政务公开" * 250_000), "index", "超长段落的通知")
    write("valid/line-separator.jsonl", _record(title="含行分隔符的记录", body="第一段\u2028第二段\u2029第三段") + "\n",
          "index", "含行分隔符的记录")
    write("valid/bom.json", "\ufeff" + _record(title="带字节序标记的记录"), "index", "带字节序标记的记录")
    write("valid/bom-corpus/法规/带标记条例(2020-01-01).md", "\ufeff" + _lawrefbook("带标记条例"), "index", "带标记条例")
    write("valid/spaces and\nnewline.json", _record(title="文件名含换行的记录"), "index", "文件名含换行的记录")
    long_name = "很长的文件名" * 13 + ".json"  # 240 bytes of UTF-8, near the usual 255 limit
    write(f"valid/{long_name}", _record(title="文件名很长的记录"), "index", "文件名很长的记录")
    bad_name = os.fsdecode(b"valid/\xff\xfe-latin1-\xe9.json")
    write(bad_name, _record(title="文件名不是UTF8的记录"), "index", "文件名不是UTF8的记录")

    # --- broken: reported, nothing else lost ---------------------------------------------
    write("broken/empty.html", b"", "fail")
    write("broken/blank.json", b"  \n\t ", "fail")
    write("broken/truncated.json", _record()[:40], "fail")
    write("broken/binary.html", bytes(range(256)) * 64, "fail")
    write("broken/binary.txt", os.urandom(8192), "fail")
    write("broken/nul-bytes.json", b'{"title": "\x00\x00\x00", "body": "\x00"}', "fail")
    write("broken/deep-nesting.json", "[" * 100_000 + "]" * 100_000, "fail")
    write("broken/issuers-number.json", _record(issuers=5), "fail")
    write("broken/issuers-numbers.json", _record(issuers=[1, 2]), "fail")
    write("broken/title-number-no-id.json", json.dumps({"title": 123, "body": "正文"}), "fail")
    write("broken/surrogate.json", '{"title": "孤立代理项", "body": "\\ud800 正文"}', "fail")
    write("broken/huge-array.json", json.dumps([[0] * 10] * 200_000), "fail")
    write("broken/not-object.jsonl", "1\n2\n", "fail")
    write("broken/impossible-date-corpus/法规/日期错误条例(2021-13-45).md", _lawrefbook("日期错误条例"), "fail")
    oversize = root / "broken/oversize.html"
    with oversize.open("wb") as handle:
        handle.write(_page("超大文件").encode("utf-8"))
        handle.truncate(OVERSIZE_BYTES)
    cases.append(Case("broken/oversize.html", "fail"))
    # links: to a device, in a loop, to nothing
    links = root / "broken"
    os.symlink("/dev/zero", links / "dev-zero.html")
    cases.append(Case("broken/dev-zero.html", "fail"))
    os.symlink("loop-b.json", links / "loop-a.json")
    os.symlink("loop-a.json", links / "loop-b.json")
    cases += [Case("broken/loop-a.json", "fail"), Case("broken/loop-b.json", "fail")]
    os.symlink("missing-target.json", links / "dangling.json")
    cases.append(Case("broken/dangling.json", "fail"))
    os.mkfifo(links / "named-pipe.json")  # opening it would wait for a writer forever
    cases.append(Case("broken/named-pipe.json", "fail"))
    os.symlink("..", root / "valid" / "folder-loop")  # a link to a parent folder: not followed
    return cases


def nested_markup(levels: int, tag: str = "div", attributes: str = ' class="content"') -> str:
    """A page whose text sits `levels` elements deep (quadratic parsers choke on it)."""
    return ("<html><body>" + f"<{tag}{attributes}>" * levels + "深层嵌套的正文。" + f"</{tag}>" * levels
            + "</body></html>")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for case in make_corpus(Path(sys.argv[1])):
        print(f"{case.expect:5}  {case.name!r}")
