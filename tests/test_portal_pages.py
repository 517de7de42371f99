"""Real pages of eight Guangzhou government sites (tests/data/portal-real, copied byte for byte
from ../shared/corpus/portal-pages; provenance in its MANIFEST.tsv), read as a careful person
reads them: each test states what the page itself says, field by field, and checks the
record the indexer made of it on both stores.

A field left out of a page's entry is one the page does not state; `None` means the page
states none (no number on a notice, say) and none may be invented.
"""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from support.paths import ROOT
from support.stores import STORE_KINDS, indexed_store

from indexer import Indexer
from indexer.errors import NotADocument, ParseError
from indexer.portal_html import page_document, parse_portal_html
from policy_search import search as search_service
from policy_search.schema import KIND_LABELS, Kind, status_on

REAL = ROOT / "tests" / "data" / "portal-real"
LIST_PAGE = ROOT / "tests" / "data" / "portal-list" / "rsj.gz.gov.cn" / "20b_广州劳动仲裁服务指南_目录.html"

GZ, TIANHE = "广东省广州市", "广东省广州市天河区"
PLATFORM = "行政规范性文件"

# What each page states. `start` must open the body (within its first 400 characters, spaces
# ignored) and `end` close it (within its last 400); `status` are (day, status) pairs.
PAGES: dict[str, dict] = {
    "gz.gov.cn/06_城乡居民医保集中参保缴费通告.html": dict(
        kind="policy", title="广州市医疗保险服务中心关于开展2026年度广州市城乡居民基本医疗保险集中参保缴费工作的通告",
        issuers=["广州市医疗保险服务中心"], doc_number=None, publish_date="2025-10-17", written_date="2025-10-14",
        doc_type="通告", region=GZ, source_url="https://www.gz.gov.cn/zt/zzyyzq/tzgg/content/post_10493724.html",
        start="为持续深入推进全民参保计划", end="2025年10月14日"),
    "gz.gov.cn/09_生育津贴直接发放个人_2025.html": dict(
        kind="other", title="本月起，这笔钱直接发放至个人！", issuers=["广州市政务服务和数据管理局", "广州市医疗保障局"],
        doc_number=None, publish_date="2025-12-03", region=GZ,
        source_url="https://www.gz.gov.cn/zt/shb/content/post_10577393.html",
        start="好消息来了！广州市生育保险政策迎来新变化", end="快转发给需要的人！"),
    "gz.gov.cn/10b_广州门特费用范围标准_穗医保规字2019-4号.html": dict(
        kind="policy",
        title="广州市医疗保障局 广州市财政局 广州市卫生健康委员会关于印发广州市社会医疗保险统筹基金支付门诊特定病种费用范围及标准的通知",
        issuers=["广州市医疗保障局", "广州市财政局", "广州市卫生健康委员会"], doc_number="穗医保规字〔2019〕4号",
        publish_date="2019-06-17", written_date="2019-06-14", effective_date="2019-07-01", expiry_date="2024-06-30",
        level=PLATFORM, region=GZ, doc_type="通知",
        status=[("2020-01-01", "in_force"), ("2024-07-01", "expired")],
        start="各有关单位，社会保险定点医疗机构：", end="其他经指定定点医疗机构确认适合家庭病床治疗的。"),
    "gz.gov.cn/13_户籍家庭住房保障通知_穗建规字2024-5号.html": dict(
        kind="policy", title="广州市住房和城乡建设局关于进一步加强户籍家庭住房保障工作的通知",
        issuers=["广州市住房和城乡建设局"], doc_number="穗建规字〔2024〕5号", publish_date="2024-03-04",
        written_date="2024-03-04", effective_date="2024-03-04", expiry_date="2029-03-03", level=PLATFORM, region=GZ,
        status=[("2026-01-01", "in_force"), ("2029-06-01", "expired")],
        start="各区人民政府，市政府各部门、各直属机构：", end="2024年3月4日"),
    "gz.gov.cn/18_广州就业见习基地管理办法_穗人社规字2019-6号.html": dict(
        kind="policy", title="广州市人力资源和社会保障局广州市财政局关于印发广州市就业见习基地管理办法的通知",
        issuers=["广州市人力资源和社会保障局", "广州市财政局"], doc_number="穗人社规字〔2019〕6号",
        publish_date="2019-10-16", written_date="2019-10-09", effective_date="2019-10-16", expiry_date="2024-10-15",
        level=PLATFORM, region=GZ, status=[("2020-01-01", "in_force"), ("2025-01-01", "expired")],
        start="各区人力资源和社会保障局：", end="补贴金额"),
    "gz.gov.cn/18b_广东高校毕业生就业创业扶持政策清单_2026.html": dict(
        kind="other", title="广东省高校毕业生就业创业扶持政策清单", issuers=["广东省人力资源和社会保障厅"], doc_number=None,
        publish_date="2026-08-03", region="广东省",
        start="为促进高校毕业生高质量充分就业", end="公共就业人才服务机构为高校毕业生提供免费的就业政策法规咨询"),
    "gz.gov.cn/26_最低生活保障及相关社会救助标准通知_穗民规字2025-2号.html": dict(
        kind="policy", title="广州市民政局 广州市财政局关于印发我市2025年最低生活保障及相关社会救助标准的通知",
        issuers=["广州市民政局", "广州市财政局"], doc_number="穗民规字〔2025〕2号", publish_date="2025-05-30",
        written_date="2025-05-30", effective_date="2025-06-01", expiry_date="2026-06-01", level=PLATFORM, region=GZ,
        status=[("2025-12-01", "in_force"), ("2026-07-01", "expired")],
        start="各区人民政府，市政府各部门、各直属机构：", end="2025年5月30日"),
    "gz.gov.cn/27_残疾人两项补贴标准_2026.html": dict(
        kind="other", title="广州市残疾人两项补贴2025年发放情况和2026年发放标准", issuers=["广州市民政局"],
        doc_number=None, publish_date="2026-02-26", region=GZ,
        start="一、2025年发放情况", end="关于2026年提高我省残疾人"),
    "gz.gov.cn/27b_残疾人辅助器具适配补贴办法_穗残联.html": dict(
        kind="policy", title="广州市残疾人联合会关于印发广州市残疾人辅助器具适配工作管理办法的通知",
        issuers=["广州市残疾人联合会"], doc_number="穗残联规字〔2019〕2号", publish_date="2019-01-18",
        written_date="2019-01-17", effective_date="2019-02-01", expiry_date="2024-01-31", level=PLATFORM, region=GZ,
        status=[("2020-01-01", "in_force"), ("2024-06-01", "expired")],
        start="各区残联：", end="本办法自2019年2月1日实施，有效期5年。"),
    "gz.gov.cn/28_特困人员救助供养通知_穗府办规2021-7号.html": dict(
        kind="policy", title="广州市人民政府办公厅关于进一步加强特困人员救助供养工作的通知",
        issuers=["广州市人民政府办公厅"], doc_number="穗府办规〔2021〕7号", publish_date="2021-04-19",
        written_date="2021-04-13", effective_date="2021-04-16", expiry_date="2023-06-01", level=PLATFORM, region=GZ,
        # 失效（提前废止）: repealed before its five years were up, not lapsed
        status=[("2022-01-01", "in_force"), ("2023-06-01", "repealed"), ("2025-01-01", "repealed")],
        start="各区人民政府，市政府各部门、各直属机构：", end="2021年4月16日印发"),
    "gz.gov.cn/29_广州市临时救助实施细则_穗府办规2021-19号.html": dict(
        kind="policy", title="广州市人民政府办公厅关于印发广州市临时救助实施细则的通知", issuers=["广州市人民政府办公厅"],
        doc_number="穗府办规〔2021〕19号", publish_date="2021-12-10", written_date="2021-12-01",
        effective_date="2021-12-06", expiry_date="2029-12-06", level=PLATFORM, region=GZ,
        status=[("2026-12-01", "in_force")],  # 有效（延续实施）
        start="各区人民政府,市政府各部门、各直属机构:", end="2021年12月6日印发"),
    "gz.gov.cn/31_居家社区养老服务管理办法_穗府办规2022-13号.html": dict(
        kind="policy", title="广州市人民政府办公厅关于印发广州市居家社区养老服务管理办法的通知",
        issuers=["广州市人民政府办公厅"], doc_number="穗府办规〔2022〕13号", publish_date="2022-09-16",
        written_date="2022-09-06", effective_date="2022-09-13",  # 自印发之日起施行; 2022年9月13日印发
        expiry_date="2027-09-12", level=PLATFORM, region=GZ,  # 有效期5年
        status=[("2026-01-01", "in_force"), ("2027-10-01", "expired")],
        start="各区人民政府，市政府各部门、各直属机构：", end="2022年9月13日印发"),
    "gz.gov.cn/32_长期护理保险试行办法_穗医保规字2024-1号.html": dict(
        kind="policy",
        title="广州市医疗保障局 广州市财政局 广州市民政局 广州市卫生健康委员会关于印发广州市长期护理保险试行办法的通知",
        issuers=["广州市医疗保障局", "广州市财政局", "广州市民政局", "广州市卫生健康委员会"],
        doc_number="穗医保规字〔2024〕1号", publish_date="2024-01-05", written_date="2024-01-03", level=PLATFORM,
        region=GZ, start="各区财政局、民政局、卫生健康局，各有关单位：", end="从其规定。"),
    "gz.gov.cn/33_广州市老年人优待办法_政府令179号.html": dict(
        kind="policy", title="广州市老年人优待办法", issuers=["广州市人民政府"], doc_number="广州市人民政府令第179号",
        publish_date="2021-02-09", written_date="2021-01-29", effective_date="2021-05-01", level="地方政府规章",
        region=GZ, doc_type="办法", status=[("2021-03-01", "not_yet_effective"), ("2021-06-01", "in_force")],
        start="已经2021年1月8日市政府第15届130次常务会议通过", end="2021年2月7日印发"),
    "gz.gov.cn/33b_老年优待卡用途与办理指南_政务指引.html": dict(
        kind="other", title="好消息！65岁以上老人免费！快上“穗好办”办理吧", issuers=["广州市政务服务数据管理局"],
        doc_number=None, publish_date="2024-02-28", region=GZ,
        start="北有冰灯，南有花灯。", end="市老龄办咨询电话020-62839996"),
    "gz.gov.cn/35c_引进人才入户管理办法实施细则_穗人社规字2022-2号.html": dict(
        # the file's name is wrong: the page is 穗府办规〔2020〕10号
        kind="policy", title="广州市人民政府办公厅关于印发广州市引进人才入户管理办法的通知", issuers=["广州市人民政府办公厅"],
        doc_number="穗府办规〔2020〕10号", publish_date="2020-07-15", written_date="2020-06-29",
        effective_date="2020-07-09", expiry_date="2025-07-04", level=PLATFORM, region=GZ,
        status=[("2023-01-01", "in_force"), ("2025-08-01", "repealed")],
        start="各区人民政府，市政府各部门、各直属机构：", end="留学人员入户流程图"),
    "gz.gov.cn/36b_积分制入户管理办法_穗府办规2025-8号.html": dict(
        kind="policy", title="广州市人民政府办公厅关于重新发布广州市积分制入户管理办法的通知",
        issuers=["广州市人民政府办公厅"], doc_number="穗府办规〔2025〕8号", publish_date="2025-07-05",
        written_date="2025-06-30", effective_date="2025-07-04", expiry_date="2026-12-31",  # 有效期至2026年12月31日
        level=PLATFORM, region=GZ, status=[("2026-06-01", "in_force"), ("2027-01-01", "expired")],
        start="各区人民政府，市政府各部门、各直属机构：", end="2025年7月4日印发"),
    "rsj.gz.gov.cn/15_创业担保贷款常见问题_2025.html": dict(
        kind="other", title="创业担保贷款常见问题", issuers=["广州市人力资源社会保障局", "广州市劳动就业服务管理中心"],
        doc_number=None, publish_date="2025-11-18", region=GZ,
        source_url="https://rsj.gz.gov.cn/zmhd/cjwt/rsrc/content/post_10555927.html",
        start="一、创业担保贷款申请对象有哪几类？", end="以及上述9家经办银行的相关网站和微信公众号上查询。"),
    "rsj.gz.gov.cn/22_怎么申领广州市社会保障卡_2026.html": dict(
        kind="other", title="怎么申领广州市社会保障卡？",
        issuers=["广州市人力资源和社会保障数据服务中心（加挂广州市社会保障卡服务中心牌子）"], doc_number=None,
        publish_date="2026-06-25", region=GZ,
        start="一、申领对象", end="请持卡人领卡后尽快到银行网点现场设置社保卡密码。"),
    "rsj.gz.gov.cn/24_养老保险待遇资格认证通告_2025.html": dict(
        kind="policy", title="广州市社会保险基金管理中心关于开展2025年企业职工和城乡居民养老保险待遇领取资格认证的通告",
        issuers=["广州市社会保险基金管理中心"], doc_number=None, publish_date="2025-03-31", written_date="2025-03-27",
        doc_type="通告", region=GZ, start="根据国家和省有关规定，符合企业职工基本养老保险", end="2025年3月27日"),
    "rsj.gz.gov.cn/35_引进人才入户管理办法_穗府办规2020-10号.html": dict(
        # the file's name is wrong: the page is the 实施细则, 穗人社规字〔2022〕2号
        kind="policy", title="广州市人力资源和社会保障局 广州市公安局关于印发广州市引进人才入户管理办法实施细则的通知",
        issuers=["广州市人力资源和社会保障局", "广州市公安局"], doc_number="穗人社规字〔2022〕2号",
        publish_date="2022-07-14", written_date="2022-07-07", level=PLATFORM, region=GZ,
        start="各有关单位：", end="同时废止。"),
    "rsj.gz.gov.cn/36_积分制入户2025年度热点13问.html": dict(
        kind="other", title="2025年度积分制入户工作热点13问", issuers=["广州市人力资源社会保障局", "广州市人力资源市场服务中心"],
        doc_number=None, publish_date="2025-09-04", region=GZ,
        start="1.2025年度积分制入户指标有多少个？", end="在获得入户资格后不能增加随迁人员。"),
    "scjgj.gz.gov.cn/37_市场主体登记管理条例_国务院令746号.html": dict(
        kind="policy", title="中华人民共和国市场主体登记管理条例", issuers=["国务院"], doc_number="国务院令第746号",
        publish_date="2021-07-27",  # （2021年7月27日中华人民共和国国务院令第746号公布）
        effective_date="2022-03-01", level="行政法规", region="国家", doc_type="条例",
        status=[("2022-01-01", "not_yet_effective"), ("2022-03-01", "in_force")],
        source_url="http://scjgj.gz.gov.cn/zcfg/xzfg/content/post_9745016.html",
        start="第一条 为了规范市场主体登记管理行为", end="同时废止。"),
    "thnet.gov.cn/01b_天河招生细则新闻稿.html": dict(
        kind="other", title="小学招生5月7日起网上报名！天河区义务教育阶段学校招生工作细则公布", issuers=["南方+"],
        doc_number=None, publish_date="2026-04-29",
        start="4月28日，广州市天河区教育局公布2026年天河区义务教育阶段学校招生工作细则",
        end="盲、聋哑儿童则分别到广州市启明学校、广州市启聪学校接受教育。"),
    "thnet.gov.cn/02_积分入学指引_2026.html": dict(
        kind="other", title="2026年广州市天河区积分制入学学位申请指引", issuers=["广州市天河区教育局"], doc_number=None,
        publish_date="2026-06-25", region=TIANHE,
        start="一、申请资格及学位情况", end="区教育局中学教育科联系电话：38622522"),
    "thnet.gov.cn/05_幼儿园招生方案_2026.html": dict(
        kind="policy", title="广州市天河区教育局关于印发《2026年广州市天河区幼儿园招生工作方案》的通知",
        issuers=["广州市天河区教育局"], doc_number=None, publish_date="2026-04-20", written_date="2026-04-20",
        doc_type="通知", region=TIANHE, start="各幼儿园：", end="并按卫生部门的要求建立新生健康档案。"),
    "thnet.gov.cn/11_公共租赁住房保障办法_穗府办规2024-13号.html": dict(
        # reposted (（转载）) by a 街道办事处: the document keeps its own issuer
        kind="policy", title="广州市人民政府办公厅关于印发广州市公共租赁住房管理办法的通知", issuers=["广州市人民政府办公厅"],
        doc_number="穗府办规〔2024〕13号", index_no="11440106718120458W/2024-00008", publish_date="2024-09-12",
        written_date="2024-07-26", effective_date="2024-07-29", expiry_date="2029-07-28", level=PLATFORM, region=GZ,
        start="各区人民政府，市政府各部门、各直属机构：", end="2024年7月29日印发"),
    "thnet.gov.cn/12_天河人才公寓申请公告_2025.html": dict(
        kind="policy", title="关于受理天河区人才公寓申请的公告", issuers=["广州市天河区住房建设和园林局"], doc_number=None,
        publish_date="2025-08-11", written_date="2025-08-11", doc_type="公告", region=TIANHE,
        start="根据《天河区人才公寓建设和使用管理办法》的有关规定", end="2025年8月11日"),
    "thnet.gov.cn/17_天河港澳青年办法_穗天科工信规字2023-1号.html": dict(
        # in a 相关政策及解读 column, and a policy for all that
        kind="policy", title="广州市天河区深化支持港澳青年创新创业高质量发展实施办法",
        issuers=["广州市天河区科技工业和信息化局", "广州市天河区人力资源和社会保障局", "中共广州市天河区委统战部"],
        doc_number="穗天科工信规字〔2023〕1号", publish_date="2023-08-09", written_date="2023-08-09",
        effective_date="2023-09-08", expiry_date="2026-09-07", level=PLATFORM, region=TIANHE,
        status=[("2023-08-20", "not_yet_effective"), ("2024-01-01", "in_force"), ("2026-10-01", "expired")],
        start="区属各单位：", end="2023年8月9日印发"),
    "thnet.gov.cn/30_老年人助餐配餐服务管理办法_穗民规字2024-3号.html": dict(
        kind="policy", title="广州市民政局 广州市财政局 广州市市场监督管理局关于印发广州市老年人助餐配餐服务管理办法的通知",
        issuers=["广州市民政局", "广州市财政局", "广州市市场监督管理局"], doc_number="穗民规字〔2024〕3号",
        index_no="11440106007508528C/2024-00031", publish_date="2024-10-15", written_date="2024-03-14",
        effective_date="2024-04-01", expiry_date="2029-03-31", level=PLATFORM, region=GZ,
        start="各区民政局、财政局、市场监督管理局：", end="本办法自2024年4月1日起实施，有效期5年。"),
    "thnet.gov.cn/34_电子居住证申领指南.html": dict(
        kind="other", title="电子居住证如何申领？一文说清", issuers=["粤省事微信公众号"], doc_number=None,
        publish_date="2024-07-19", start="01 什么是电子居住证？", end="目前各镇（街）服务中心窗口均已提供下载打印服务。"),
    "wjw.gz.gov.cn/08_家庭医生实施方案_穗卫函2023-1930号.html": dict(
        kind="policy", title="广州市卫生健康委等4部门关于印发推进广州市家庭医生签约服务高质量发展实施方案的通知",
        issuers=["广州市卫生健康委员会", "广州市财政局", "广州市人力资源和社会保障局", "广州市医疗保障局"],
        doc_number="穗卫函〔2023〕1930号", index_no="11440100MB2C90856P/2023-00331", publish_date="2023-11-07",
        written_date="2023-10-19", region=GZ,
        start="各区卫生健康局、财政局、人力资源社会保障局，市医保中心：", end="宣传处"),
    "yuexiu.gov.cn/16_一次性创业补贴_市人社局.html": dict(
        kind="other", title="广州市高校毕业生创业补贴，请查收", issuers=["广州市人力资源社会保障局"], doc_number=None,
        publish_date="2025-04-08", region=GZ, start="1、一次性创业资助", end="补贴期限：一次性。"),
    "zc.gov.cn/27c_残疾人两项补贴实施办法_增城转载.html": dict(
        kind="policy", title="广州市困难残疾人生活补贴和重度残疾人护理补贴实施办法", issuers=["广州市民政局"],
        doc_number=None, publish_date="2022-11-16", region=GZ, doc_type="办法",
        start="为进一步完善和规范我市困难残疾人生活补贴和重度残疾人护理补贴", end="同时废止。"),
    "zfcj.gz.gov.cn/11b_2025年第一批户籍家庭公租房常态分配房源通告.html": dict(
        kind="policy", title="关于推出供应广州市2025年第一批户籍家庭公共租赁住房常态分配房源的通告",
        issuers=["广州市住房保障办公室"], doc_number=None, publish_date="2025-03-20", written_date="2025-03-19",
        doc_type="通告", region=GZ, start="为进一步提高公共租赁住房分配和使用效率", end="2025年3月19日"),
}

FIELDS = ("kind", "title", "issuers", "doc_number", "index_no", "publish_date", "written_date", "effective_date",
          "expiry_date", "level", "region", "doc_type", "source_url")
# Page chrome that must not reach the text.
CHROME = ("扫一扫在手机打开当前页", "返回顶部", "打印页面", "打印本页", "【打印】", "关闭本页", "关闭窗口", "浏览次数",
          "浏览量", "分享到", "网站标识码", "ICP备", "当前位置", "所在的位置", "字体大小", "浏览字号", "版权所有",
          "主办单位", "相关新闻", "内容纠错", "市委组织部", "上一篇")


def _folded(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module", params=STORE_KINDS)
def real_store(request, tmp_path_factory):
    """A store of each kind holding the real pages, as `policy-search index` leaves it."""

    def fill(indexer: Indexer) -> None:
        summary = indexer.index_paths([REAL])
        assert summary.failed == [] and summary.documents == len(PAGES), summary.failed

    yield from indexed_store(request.param, tmp_path_factory.mktemp("portal-real"), fill)


def _stored(store, page: str):
    hits = store.search(search_service.make_request(size=100)).hits
    found = [h.document for h in hits if h.document.source_path and h.document.source_path.endswith(page)]
    assert len(found) == 1, f"{page} indexed {len(found)} times"
    return store.get(found[0].id)


def test_the_shared_pages_are_the_fixtures_byte_for_byte():
    shared = ROOT.parent / "shared" / "corpus" / "portal-pages"
    if not shared.is_dir():
        pytest.skip(f"no {shared}")
    for page in PAGES:
        assert (REAL / page).read_bytes() == (shared / page).read_bytes(), page
    assert LIST_PAGE.read_bytes() == (shared / "rsj.gz.gov.cn" / LIST_PAGE.name).read_bytes()
    assert len(PAGES) + 1 == len(list(shared.rglob("*.html")))


@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_page_gives_the_record_it_states(real_store, page):
    expected = PAGES[page]
    doc = _stored(real_store, page)
    record = doc.model_dump(mode="json")
    for field in FIELDS:
        if field in expected:
            assert record[field] == expected[field], f"{page}: {field}"
    body = _folded(doc.body)
    assert _folded(expected["start"]) in body[:400], f"{page}: the text does not open as the page's does"
    assert _folded(expected["end"]) in body[-400:], f"{page}: the text does not end as the page's does"
    assert not [chrome for chrome in CHROME if chrome in doc.body], f"{page}: chrome in the text"
    for day, status in expected.get("status", []):
        assert status_on(doc, date.fromisoformat(day)).value == status, f"{page}: status on {day}"


def test_an_attachment_table_with_a_classification_column_is_text_not_metadata(real_store):
    doc = _stored(real_store, "gz.gov.cn/10b_广州门特费用范围标准_穗医保规字2019-4号.html")
    assert doc.topics == []  # its 分类 column is not 主题分类
    assert re.search(r"分类 \| 病种名称.*\n.*高血压病", doc.body)


def test_statuses_change_on_their_day_in_the_store_without_reindexing(real_store):
    """The store itself answers which documents are in force on a day: 穗建规字〔2024〕5号
    (有效期5年, 失效日期 2029-03-03) is found in force before and expired after."""
    number = "穗建规字〔2024〕5号"
    for day, status in (("2026-01-01", "in_force"), ("2029-06-01", "expired")):
        request = search_service.make_request(number, valid_on=date.fromisoformat(day), filters={"status": [status]})
        response = search_service.search_response(real_store, number, request)
        assert [hit["doc_number"] for hit in response["results"]] == [number], day


def test_news_and_service_pages_are_a_kind_of_their_own_in_the_facet(real_store):
    response = search_service.search_response(real_store, "", search_service.make_request(facets=["kind"], size=1))
    kinds = {count["value"]: (count["label"], count["count"]) for count in response["facets"]["kind"]}
    others = sum(1 for entry in PAGES.values() if entry["kind"] == "other")
    assert kinds["other"] == (KIND_LABELS[Kind.OTHER], others) == ("其他信息", others)
    assert kinds["policy"][1] == len(PAGES) - others
    # staff leave them out with the kind filter
    policies = search_service.make_request(filters={"kind": ["policy"]}, size=100)
    assert all(h.document.kind is Kind.POLICY for h in real_store.search(policies).hits)


def test_the_list_page_is_skipped_with_its_reason(empty_store, tmp_path):
    with pytest.raises(NotADocument, match="^skipped: list page"):
        parse_portal_html(LIST_PAGE)
    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy(LIST_PAGE, folder / LIST_PAGE.name)
    shutil.copy(REAL / "rsj.gz.gov.cn" / "15_创业担保贷款常见问题_2025.html", folder / "faq.html")
    summary = Indexer(empty_store, progress=False).index_paths([folder])
    assert summary.failed == []  # not a failure: the run exits 0
    assert [(f.path.rsplit("/", 1)[-1], f.reason.split(" (")[0]) for f in summary.skipped] == [
        (LIST_PAGE.name, "skipped: list page")]
    assert summary.added == 1 and empty_store.count() == 1


def test_the_same_page_saved_in_two_folders_is_one_document(empty_store, tmp_path):
    page = REAL / "gz.gov.cn" / "28_特困人员救助供养通知_穗府办规2021-7号.html"
    for folder in ("downloads", "archive/2021"):
        (tmp_path / folder).mkdir(parents=True)
        shutil.copy(page, tmp_path / folder / page.name)
    summary = Indexer(empty_store, progress=False).index_paths([tmp_path])
    assert summary.failed == [] and empty_store.count() == 1


# --- layouts of other portals, as their kinds are described in issue 14 ----------------------

def _page(body: str, head: str = "") -> str:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


_TEXT = "<p>各区人民政府，市政府各部门：</p><p>为规范行政规范性文件管理，现将有关事项通知如下。</p><p>一、严格审核。</p>"


def _parse(tmp_path, html: str, name: str = "page.html"):
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return page_document(path.read_text(encoding="utf-8"), path)


def test_padded_labels_and_label_and_value_in_one_cell(tmp_path):
    doc = _parse(tmp_path, _page(
        "<table class='xxgk'><tr><td>索 引 号：</td><td>000014349/2024-00101</td>"
        "<td><b>发文机关: </b> 广东省人民政府办公厅</td></tr>"
        "<tr><td>文　　号：</td><td>粤府办〔2024〕3号</td><td>成文日期：2024年1月8日</td></tr></table>"
        "<h1>广东省人民政府办公厅关于加强行政规范性文件管理的通知</h1>"
        f"<div class='info_cont word' id='info_cont'>{_TEXT}</div>"))
    assert (doc.index_no, doc.issuers, doc.doc_number) == ("000014349/2024-00101", ["广东省人民政府办公厅"], "粤府办〔2024〕3号")
    assert doc.written_date == date(2024, 1, 8) and doc.region == "广东省"
    assert doc.body.startswith("各区人民政府") and "索引号" not in doc.body.replace(" ", "")


def test_meta_tags_in_any_case_over_a_breadcrumb_heading_and_a_generic_title(tmp_path):
    doc = _parse(tmp_path, _page(
        "<h1>您当前所在的位置：首页 > 政务公开 > 通知公告</h1>"
        f"<div id='zoomcon'>{_TEXT}<p>某某市人民政府办公室</p><p>2024年5月6日</p></div>",
        "<title>某某市人民政府门户网站</title><META NAME='articletitle' CONTENT='关于开展政务公开检查的通知'>"
        "<meta name='PUBDATE' content='2024-05-07 10:00'><meta name='contentSource' content='某某市人民政府办公室'>"
        "<meta name='Url' content='https://www.example.gov.cn/zwgk/content/post_1.html'>"))
    assert doc.title == "关于开展政务公开检查的通知"
    assert doc.publish_date == date(2024, 5, 7) and doc.written_date == date(2024, 5, 6)
    assert doc.issuers == ["某某市人民政府办公室"]
    assert doc.source_url == "https://www.example.gov.cn/zwgk/content/post_1.html"


@pytest.mark.parametrize("markup", [
    "<time pubdate datetime='2023-04-05'>4月5日</time>",
    "<span><i class='icon-time' title='发布时间'></i>2023-04-05</span>",
    "<span>发表时间：2023-04-05 09:30</span>",
    "<span>时间： 2023-04-05</span>",
])
def test_publish_dates_however_the_page_labels_them(tmp_path, markup):
    doc = _parse(tmp_path, _page(f"<h1>关于做好防汛工作的通知</h1><div class='meta'>{markup}</div>"
                                 f"<div class='content_article'>{_TEXT}</div>"))
    assert doc.publish_date == date(2023, 4, 5)


@pytest.mark.parametrize("url, kept", [
    ("javascript:alert(1)", None), ("data:text/html,<script>alert(1)</script>", None),
    ("//www.example.gov.cn/a.html", None), ("https://www.example.gov.cn/a.html", "https://www.example.gov.cn/a.html"),
])
def test_only_http_source_urls_are_kept(tmp_path, url, kept):
    doc = _parse(tmp_path, _page(f"<h1>关于做好防汛工作的通知</h1><div class='content'>{_TEXT}</div>",
                                 f"<link rel='canonical' href='{url}'>"))
    assert doc.source_url == kept


def test_validity_from_the_text_and_a_written_status(tmp_path):
    until = _parse(tmp_path, _page("<h1>某某市人民政府关于促进就业的若干措施</h1><div class='content'>"
                                   f"{_TEXT}<p>本措施自2024年1月1日起施行，有效期至2025年12月31日。</p></div>"))
    assert (until.effective_date, until.expiry_date) == (date(2024, 1, 1), date(2025, 12, 31))
    assert status_on(until, date(2025, 12, 30)).value == "in_force"
    assert status_on(until, date(2026, 1, 2)).value == "expired"
    repealed = _parse(tmp_path, _page(
        "<h1>某某市人民政府关于促进就业的若干措施</h1><div class='content'>"
        f"{_TEXT}</div><script>var file_status = '失效（提前废止）';</script>"), "repealed.html")
    assert repealed.declared_status == "repealed"


def test_an_interpretation_links_to_the_policy_that_wraps_its_name_in_either_order(empty_store, tmp_path):
    policy = _page(
        "<h1>某某市人民政府办公厅关于印发某某市养老服务管理办法的通知</h1>"
        f"<div class='content'><p>某府办规〔2024〕2号</p>{_TEXT}</div>",
        "<meta name='Url' content='https://www.example.gov.cn/zcwj/post_2.html'>")
    interpretation = _page(
        "<h1>解读《某某市养老服务管理办法》</h1><div class='content'><p>一、出台背景</p>"
        "<p>为规范养老服务，市政府办公厅印发了管理办法。</p></div>",
        "<meta name='Url' content='https://www.example.gov.cn/zcjd/post_3.html'>")
    for order in (("interpretation", "policy"), ("policy", "interpretation")):
        store_dir = tmp_path / "-".join(order)
        for number, name in enumerate(order):
            folder = store_dir / str(number)
            folder.mkdir(parents=True)
            (folder / f"{name}.html").write_text(policy if name == "policy" else interpretation, encoding="utf-8")
        indexer = Indexer(empty_store, progress=False)
        for number in range(2):
            assert indexer.index_paths([store_dir / str(number)]).failed == []
        docs = {h.document.kind: h.document for h in empty_store.search(search_service.make_request(size=10)).hits}
        assert docs[Kind.INTERPRETATION].interprets.id == docs[Kind.POLICY].id, order
        assert [link.id for link in empty_store.get(docs[Kind.POLICY].id).interpretations] == [
            docs[Kind.INTERPRETATION].id]
        indexer.delete([d.id for d in docs.values()])


# --- hostile input ---------------------------------------------------------------------------

def test_deeply_nested_pages_parse_and_keep_their_text(tmp_path):
    nested_divs = _page("<h1>关于做好防汛工作的通知</h1>" + "<div class='content'>" * 10000 + _TEXT + "</div>" * 10000)
    nested_tables = _page("<h1>关于做好防汛工作的通知</h1>" + "<table><tr><td>" * 1000 + _TEXT
                          + "</td></tr></table>" * 1000)
    for html in (nested_divs, nested_tables):
        doc = _parse(tmp_path, html)
        assert doc.title == "关于做好防汛工作的通知"
        assert "为规范行政规范性文件管理" in doc.body


def test_a_page_without_text_is_an_error_not_a_crash(tmp_path):
    with pytest.raises(ParseError):
        _parse(tmp_path, _page("<div class='nav'><a href='/'>首页</a></div>"))


def test_inspect_prints_the_record_a_page_gives_and_why_a_page_gives_none(capsys):
    import json

    from policy_search.cli import main

    page = REAL / "thnet.gov.cn" / "11_公共租赁住房保障办法_穗府办规2024-13号.html"
    assert main(["inspect", str(page)]) == 0
    record = json.loads(capsys.readouterr().out)
    expected = PAGES["thnet.gov.cn/" + page.name]
    assert {field: record[field] for field in ("title", "issuers", "doc_number", "effective_date")} == {
        field: expected[field] for field in ("title", "issuers", "doc_number", "effective_date")}
    assert record["status_label"] in ("现行有效", "失效") and expected["start"] in record["body"]
    assert main(["inspect", str(LIST_PAGE)]) == 1
    assert "skipped: list page" in capsys.readouterr().err


def test_an_interpretation_links_to_the_policy_page_it_links_to(empty_store, tmp_path):
    """相关文件：<a href=…> names the policy when neither its number nor its title does."""
    policy = _page("<h1>某某市人民政府关于进一步优化营商环境的若干措施</h1>"
                   f"<div class='content'>{_TEXT}</div>",
                   "<meta name='Url' content='https://www.example.gov.cn/zcwj/content/post_8.html'>")
    interpretation = _page(
        "<h1>一图读懂：优化营商环境这样做</h1><div class='content'><p>一、总体要求</p><p>二、主要措施。</p>"
        "<p>相关文件：<a href='/zcwj/content/post_8.html'>点击查看</a></p></div>",
        "<meta name='Url' content='http://www.example.gov.cn/zcjd/content/post_9.html'>")
    (tmp_path / "a.html").write_text(interpretation, encoding="utf-8")
    (tmp_path / "b.html").write_text(policy, encoding="utf-8")
    assert Indexer(empty_store, progress=False).index_paths([tmp_path]).failed == []
    docs = {h.document.kind: h.document for h in empty_store.search(search_service.make_request(size=10)).hits}
    assert docs[Kind.INTERPRETATION].interprets.id == docs[Kind.POLICY].id


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "data:text/html,x", "JaVaScRiPt:alert(1)"])
def test_no_record_keeps_a_script_address_as_its_source(url):
    from indexer.json_feed import record_to_document

    assert record_to_document({"title": "关于做好防汛工作的通知", "source_url": url}).source_url is None
    assert record_to_document({"title": "关于做好防汛工作的通知", "source_url": "https://www.example.gov.cn/a"}
                              ).source_url == "https://www.example.gov.cn/a"


def test_a_label_value_ends_where_the_next_item_of_its_line_begins(tmp_path):
    doc = _parse(tmp_path, _page(
        "<h1>关于做好防汛工作的通知</h1><div class='info'>2023-04-05 09:30 来源：某某县应急管理局 浏览次数：1024"
        " 【字体：大 中 小】</div>"
        f"<div class='content'>{_TEXT}</div>"))
    assert doc.issuers == ["某某县应急管理局"] and doc.publish_date == date(2023, 4, 5)


_SIGNED = _TEXT + "<p style='text-align:right'>某某市人民政府办公室</p><p style='text-align:right'>2024年3月1日</p>"


def test_a_title_element_when_the_title_tag_is_only_the_sites_name(tmp_path):
    doc = _parse(tmp_path, _page(
        "<div class='bt'>关于做好防汛工作的通知</div>"
        "<div class='xx'>文号：某政办〔2024〕5号 发布日期：2024年03月02日</div>"
        f"<div class='con'>{_SIGNED}</div>", "<title>某某市人民政府</title>"))
    assert (doc.title, doc.doc_number, doc.publish_date) == ("关于做好防汛工作的通知", "某政办〔2024〕5号", date(2024, 3, 2))
    assert (doc.issuers, doc.written_date, doc.kind) == (["某某市人民政府办公室"], date(2024, 3, 1), Kind.POLICY)
    assert doc.body.startswith("各区人民政府") and doc.body.endswith("2024年3月1日")


def test_what_an_extractor_keeps_above_the_title_is_not_text(tmp_path):
    doc = _parse(tmp_path, _page(
        "<div class='top'><a href='/'>首页</a></div><div class='article'><h1 class='title'>关于做好防汛工作的通知</h1>"
        "<div class='info'><span>发布时间：2024-03-02</span><span>来源：某某市人民政府办公室</span>"
        "<span>浏览次数：<script>document.write(1)</script></span></div>"
        f"<div id='zoom'>{_SIGNED}</div></div><div class='foot'>主办单位：某某市人民政府 网站标识码：123</div>",
        "<title>关于做好防汛工作的通知_某某市人民政府</title>"))
    assert doc.publish_date == date(2024, 3, 2) and doc.body.startswith("各区人民政府")


def test_a_publication_date_in_other_meta_tags(tmp_path):
    doc = _parse(tmp_path, _page(f"<h1>关于做好防汛工作的通知</h1><div class='content'>{_TEXT}</div>",
                                 "<meta name='publishdate' content='2024-05-06'>"))
    assert doc.publish_date == date(2024, 5, 6)


def test_a_run_of_list_pages_only_is_no_failure(tmp_path, capsys):
    from policy_search.cli import main

    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy(LIST_PAGE, folder / LIST_PAGE.name)
    assert main(["index", "--store", f"sqlite:///{tmp_path}/x.db", "--quiet", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "0 failed, 1 skipped (not documents)" in captured.out and "skipped: list page" in captured.err
