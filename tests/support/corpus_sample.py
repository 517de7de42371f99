"""The sample of the law corpus that the tests run on where ../shared/corpus is absent.

    python tests/support/corpus_sample.py [CORPUS] [OUT]
        # defaults: ../shared/corpus/lawrefbook  tests/data/corpus_sample/lawrefbook

Copies, in the corpus layout, every version of the regulations the ranking, status and
metadata tests name, some documents that share their words (so that ranking has
something to rank against), a spread of others, and the rows of the db.sqlite3 sidecars
that list them. The output is committed; run this again only to change the sample.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "lawrefbook"
DEFAULT_OUT = ROOT / "tests" / "data" / "corpus_sample" / "lawrefbook"

# Regulations the tests name (every version of each is copied): folder/stem without the date.
NAMED = [
    "民法商法/公司法", "行政法/个人信息保护法", "刑法/刑法修正案（十一）", "行政法/行政处罚法",
    "行政法/道路交通安全法", "行政法/治安管理处罚法", "诉讼与非诉讼程序法/民事诉讼法",
    "行政法规/政府信息公开条例", "行政法规/专职守护押运人员枪支使用管理条例", "行政法规/道路运输条例",
    "行政法规/优化营商环境条例", "行政法规/土地管理法实施条例", "行政法规/行政区划管理条例",
    "行政法规/政府督查工作条例", "行政法规/专利法实施细则",
    "司法解释/最高人民法院关于审理政府信息公开行政案件若干问题的规定", "司法解释/人民法院在线诉讼规则",
    "司法解释/最高人民法院、最高人民检察院关于办理侵犯公民个人信息刑事案件适用法律若干问题的解释",
    "DLC/浙江地方法规/地方性法规/浙江/浙江省绿色建筑条例", "DLC/北京地方法规/地方性法规/北京/北京市物业管理条例",
    "DLC/北京地方法规/地方性法规/北京/北京市优化营商环境条例",
    "DLC/重庆地方法规/地方性法规/重庆/中国（重庆）自由贸易试验区条例",
    "DLC/山东地方法规/地方性法规/山东/东营市养犬管理条例", "DLC/河南地方法规/地方性法规/河南/三门峡市山体保护条例",
    "DLC/广东地方法规/地方性法规/广东/东莞市文明行为促进条例",
]
# Documents sharing the named ones' words (个人信息, 公司, 营商环境, 道路, 政府信息).
NEIGHBOURS = [
    "民法典/人格权编", "行政法/网络安全法", "行政法/数据安全法", "民法商法/消费者权益保护法", "民法商法/电子商务法",
    "行政法规/市场主体登记管理条例", "行政法/档案法", "DLC/上海地方法规/地方性法规/上海/上海市促进电子商务发展规定",
    "DLC/重庆地方法规/地方性法规/重庆/重庆市道路运输管理条例",
]
# A spread of the rest: every hundredth document of the corpus, sorted by path, on 2026-12-02.
SPREAD = [
    "DLC/上海地方法规/地方性法规/上海/上海市实施《土地管理法》办法", "DLC/上海地方法规/地方性法规/上海/上海市经济技术开发区条例",
    "DLC/北京地方法规/地方性法规/北京/北京市国民经济和社会发展计划审查监督条例",
    "DLC/北京地方法规/地方性法规/北京/北京市突发公共卫生事件应急条例",
    "DLC/山东地方法规/地方性法规/山东/山东省反家庭暴力条例", "DLC/山东地方法规/地方性法规/山东/山东省行政执法监督条例",
    "DLC/山东地方法规/地方性法规/山东/济南市绿化条例",
    "DLC/广东地方法规/地方性法规/广东/广东省人民代表大会常务委员会议事规则",
    "DLC/河南地方法规/地方性法规/河南/河南省反不正当竞争条例", "DLC/河南地方法规/地方性法规/河南/焦作市全域旅游促进条例",
    "DLC/浙江地方法规/地方性法规/浙江/浙江省劳动保障监察条例", "DLC/浙江地方法规/地方性法规/浙江/丽水市传统村落保护条例",
    "司法解释/最高人民法院关于行政诉讼撤诉若干问题的规定",
    "司法解释/最高人民法院关于在民事审判工作中适用《工会法》若干问题的解释",
    "宪法相关法/国籍法", "民法商法/商标法", "经济法/烟草专卖法", "行政法/水污染防治法",
    "行政法规/人民警察使用警械和武器条例", "行政法规/社会团体登记管理条例", "行政法规/铁路交通事故应急救援和调查处理条例",
]

_VERSION = re.compile(r"\(\d{4}-\d{2}-\d{2}\)$")


def versions(corpus: Path, stem_path: str) -> list[Path]:
    """Every version file of a regulation: `stem(date).md`, or `stem.md` without a date."""
    folder, stem = (corpus / stem_path).parent, Path(stem_path).name
    found = [p for p in folder.glob("*.md") if _VERSION.sub("", p.stem) == stem]
    if not found:
        raise SystemExit(f"not in the corpus: {stem_path}")
    return sorted(found)


def copy_sidecars(corpus: Path, out: Path, stems: set[str]) -> None:
    """Each sidecar above a copied file, with the rows of the copied regulations only."""
    for source in sorted(corpus.rglob("db.sqlite3")):
        target = out / source.relative_to(corpus)
        if not target.parent.is_dir():
            continue
        target.unlink(missing_ok=True)
        with sqlite3.connect(source) as old, sqlite3.connect(target) as new:
            for (sql,) in old.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"):
                new.execute(sql)
            new.executemany(f"INSERT INTO category VALUES ({','.join('?' * 6)})", old.execute("SELECT * FROM category"))
            rows = [row for row in old.execute("SELECT * FROM law")
                    if {row[2], row[3], row[7]} & stems]  # name, filename, subtitle
            new.executemany(f"INSERT INTO law VALUES ({','.join('?' * len(rows[0]))})", rows) if rows else None


def make_sample(corpus: Path = DEFAULT_CORPUS, out: Path = DEFAULT_OUT) -> int:
    if out.exists():
        shutil.rmtree(out)
    files = [path for stem_path in NAMED + NEIGHBOURS + SPREAD for path in versions(corpus, stem_path)]
    for path in files:
        target = out / path.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    copy_sidecars(corpus, out, {_VERSION.sub("", path.stem) for path in files})
    return len(files)


if __name__ == "__main__":
    arguments = [Path(a) for a in sys.argv[1:3]]
    print(f"{make_sample(*arguments)} documents copied")
