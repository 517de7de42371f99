"""Documents the tests know by construction, and documents as a hostile source sends them."""

from __future__ import annotations

from datetime import date

from policy_search.schema import Article, Document


def law(id: str, published: str, effective: str, number: str, body: str) -> Document:
    return Document(
        id=id, title="中华人民共和国城乡规划示范法", issuers=["全国人民代表大会常务委员会"],
        doc_number=number, publish_date=date.fromisoformat(published),
        effective_date=date.fromisoformat(effective), level="法律", doc_type="法", region="国家",
        family_id="urban-planning-law", topics=["城乡建设"], body=body,
    )


def sample_documents() -> list[Document]:
    """Documents whose statuses, facets and matches the tests know by construction.

    Three versions of one law (2010, 2018 and one published in 2025 that takes effect in
    2027), a repealed rule, an expired notice, a joint notice of two issuers, a notice
    and its interpretation.
    """
    return [
        law("law-2010", "2010-01-01", "2010-03-01", "主席令第二十号",
            "第一条 为了加强城乡规划管理，制定本法。第二条 制定和实施城乡规划，适用本法。"),
        law("law-2018", "2018-06-01", "2019-01-01", "主席令第二十九号",
            "第一条 为了加强城乡规划管理，协调城乡空间布局，制定本法。第六十条 本法自2019年1月1日起施行。"),
        law("law-2025", "2025-12-01", "2027-01-01", "主席令第五十号",
            "第一条 为了加强城乡规划管理，促进城乡高质量发展，制定本法。第七十条 本法自2027年1月1日起施行。"),
        Document(
            id="repealed-rule", title="城市房屋拆迁管理条例", issuers=["国务院"], doc_number="国务院令第305号",
            publish_date=date(2001, 6, 13), effective_date=date(2001, 11, 1), level="行政法规",
            doc_type="条例", region="国家", declared_status="repealed", repealed_date=date(2011, 1, 21),
            body="第一条 为了加强对城市房屋拆迁的管理，维护拆迁当事人的合法权益，保障建设项目顺利进行，制定本条例。",
        ),
        Document(
            id="expired-notice", title="莆田市人民政府办公室关于开展政务公开专项检查的通知",
            issuers=["莆田市人民政府办公室"], doc_number="莆政办〔2020〕8号", publish_date=date(2020, 3, 2),
            effective_date=date(2020, 3, 2), expiry_date=date(2022, 3, 2), level="地方规范性文件",
            doc_type="通知", topics=["机关工作"], region="福建省莆田市",
            body="各县（区）人民政府，市直有关单位：为推进政务公开工作，现开展专项检查。本通知有效期两年。",
        ),
        Document(
            id="joint-notice", title="关于做好政府信息依申请公开工作的通知",
            issuers=["莆田市人民政府办公室", "莆田市司法局"], doc_number="莆政办〔2021〕20号",
            publish_date=date(2021, 9, 1), effective_date=date(2021, 9, 1), level="地方规范性文件",
            doc_type="通知", topics=["机关工作", "司法"], region="福建省莆田市",
            body="为规范政府信息依申请公开工作，保障申请人合法权益，现就有关事项通知如下。",
        ),
        Document(
            id="putian-notice", title="莆田市人民政府办公室关于进一步加强政策文件解读发布工作的通知",
            issuers=["莆田市人民政府办公室"], doc_number="莆政办网传〔2021〕13号", publish_date=date(2021, 4, 12),
            effective_date=date(2021, 4, 12), level="地方规范性文件", doc_type="通知", topics=["机关工作"],
            region="福建省莆田市",
            body="为进一步加强我市政策文件解读发布工作，现将有关事项通知如下：一、进一步明确解读范围。",
        ),
        Document(
            id="putian-interpretation", kind="interpretation",
            title="《莆田市人民政府办公室关于进一步加强政策文件解读发布工作的通知》政策解读",
            issuers=["莆田市人民政府办公室"], publish_date=date(2021, 4, 13), level="政策解读",
            doc_type="解读", topics=["机关工作"], region="福建省莆田市",
            body="一、出台背景 为进一步加强政策文件解读发布工作，市政府办公室印发了通知。二、主要内容 明确解读范围、解读主体和解读机制。",
        ),
    ]


# Markup that, if it ever ran in a browser, would set window.__xss (test_browser.py looks).
PAYLOAD = '<script>window.__xss="script"</script><img src=x onerror="window.__xss=\'img\'">'


def hostile_documents() -> list[Document]:
    """Documents as a hostile source or CMS could send them: markup in every text field,
    script URLs as their source."""
    return [
        Document(id="xss-title", title=f"关于{PAYLOAD}政务公开的通知", issuers=[f"恶意机关{PAYLOAD}"],
                 doc_number=f"莆政办〔2021〕{PAYLOAD}号", level=f"规范性文件{PAYLOAD}", topics=[PAYLOAD],
                 body=f"第一条 政务公开{PAYLOAD}正文。\n第二条 {PAYLOAD}", source_url="javascript:window.__xss='link'"),
        Document(id="xss-data-url", title="关于政务公开数据链接的通知", body="政务公开",
                 source_url="data:text/html,<script>alert(1)</script>"),
        Document(id="xss-spaced-url", title="关于政务公开空格链接的通知", body="政务公开",
                 source_url="  JaVaScRiPt:alert(1)"),
        Document(id="good-url", title="关于政务公开来源链接的通知", body="政务公开",
                 source_url="https://www.example.gov.cn/zwgk/1.html?a=1&b=2"),
    ]


def hostile_law() -> Document:
    """A law whose title, headings and articles hold markup: its articles are found by the
    question 经营者的债务由谁承担？ (for 相关法条 on the pages and in the widget)."""
    body = f"第一章 总则{PAYLOAD}\n第一条 经营者的债务{PAYLOAD}由经营者承担。\n第二条 本法自公布之日起施行。"
    return Document(id="hostile-law", title=f"某经营者条例{PAYLOAD}", issuers=["某市人民代表大会"], level="地方性法规",
                    publish_date=date(2021, 3, 1), body=body,
                    articles=[Article(number="第一条", text=f"经营者的债务{PAYLOAD}由经营者承担。"),
                              Article(number="第二条", text="本法自公布之日起施行。")])
