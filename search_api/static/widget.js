/*! policy-search widget: <script src="https://SERVICE/widget.js" defer></script>
 *  <policy-search-box endpoint="https://SERVICE" issuer="…" region="…" kind="policy|interpretation"
 *                     size="5" current link-template="https://portal/page?id={id}"></policy-search-box>
 *  Shadow DOM, no framework; talks to nothing but its endpoint. Theme with CSS custom properties
 *  on the element: --ps-accent, --ps-text, --ps-muted, --ps-background, --ps-border, --ps-mark,
 *  --ps-radius, --ps-font.
 */
(() => {
  "use strict";
  if (customElements.get("policy-search-box")) return;

  // Where this script came from is the default endpoint: one tag is enough.
  const scriptOrigin = document.currentScript ? new URL(".", document.currentScript.src).href.replace(/\/$/, "") : "";
  const FILTERS = ["issuer", "region", "kind", "level", "topic", "doc_type"];
  const STYLE = `
    :host { display: block; font-family: var(--ps-font, system-ui, "PingFang SC", "Microsoft YaHei", sans-serif);
      color: var(--ps-text, #1f2328); --_accent: var(--ps-accent, #0b5cad); --_border: var(--ps-border, #d0d7de); }
    form { display: flex; gap: .4rem; }
    input { flex: 1; min-width: 0; font: inherit; padding: .5rem .7rem; border: 2px solid var(--_accent);
      border-radius: var(--ps-radius, 6px); background: var(--ps-background, #fff); color: inherit; }
    button { font: inherit; padding: .5rem 1rem; border: 0; border-radius: var(--ps-radius, 6px);
      background: var(--_accent); color: #fff; cursor: pointer; }
    :focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
    ul { list-style: none; margin: .4rem 0 0; padding: 0; border: 1px solid var(--_border);
      border-radius: var(--ps-radius, 6px); background: var(--ps-background, #fff); }
    ul:empty { display: none; }
    li { border-top: 1px solid var(--_border); }
    li:first-child { border-top: 0; }
    li a { display: block; padding: .5rem .7rem; color: inherit; text-decoration: none; }
    li a:hover, a[aria-selected="true"] { background: color-mix(in srgb, var(--_accent) 10%, transparent); }
    .title { color: var(--_accent); font-weight: 600; }
    .meta { display: block; font-size: .85em; color: var(--ps-muted, #57606a); margin-top: .15rem; }
    .badge { border: 1px solid currentColor; border-radius: 3px; padding: 0 .3em; margin-right: .4em; }
    mark { background: var(--ps-mark, #fff3b0); color: inherit; }
    .status { font-size: .85em; color: var(--ps-muted, #57606a); min-height: 1.2em; margin: .3rem 0 0; }
    .more { font-size: .85em; color: var(--_accent); }
    .group-label { display: block; padding: .3rem .7rem; font-size: .8em; font-weight: 600; color: var(--ps-muted, #57606a);
      background: color-mix(in srgb, var(--_border) 35%, transparent); }
    li[role="group"] > ul { margin: 0; border: 0; border-radius: 0; }
    .passage { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden;
      font-size: .85em; margin-top: .15rem; }
    .hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }`;

  // A constructed stylesheet, not a <style> element: a portal whose Content-Security-Policy
  // refuses inline styles still shows the widget as designed.
  function adoptStyle(root) {
    if ("adoptedStyleSheets" in root && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
    } else {
      const style = document.createElement("style");
      style.textContent = STYLE;
      root.prepend(style);
    }
  }

  // The service's title_html is escaped text with <mark> around the matched words. It is
  // rebuilt here as text and <mark> nodes, so that nothing else can come out of it.
  const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };
  function markedText(html) {
    let inMark = false;
    return String(html).split(/(<\/?mark>)/).flatMap((part) => {
      if (part === "<mark>" || part === "</mark>") { inMark = part === "<mark>"; return []; }
      const text = part.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (entity) => ENTITIES[entity]);
      if (!inMark) return [document.createTextNode(text)];
      const mark = document.createElement("mark");
      mark.textContent = text;
      return [mark];
    });
  }

  // At most this many articles (相关法条) above the documents when the query is a question.
  const ARTICLES = 3;

  function element(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    node.append(...children);
    return node;
  }

  class PolicySearchBox extends HTMLElement {
    constructor() {
      super();
      this.results = [];
      this.active = -1;
      this.asked = 0;
      const root = this.attachShadow({ mode: "open" });
      root.innerHTML = `<form role="search" part="form">
          <label class="hidden" for="q"></label>
          <input id="q" type="search" part="input" autocomplete="off" role="combobox" aria-autocomplete="list"
                 aria-expanded="false" aria-controls="results" maxlength="200">
          <button type="submit" part="button">检索</button>
        </form>
        <p class="status" role="status" aria-live="polite"></p>
        <ul id="results" role="listbox" part="results" aria-label="检索结果"></ul>
        <a class="more" part="more" hidden>查看全部结果</a>`;
      adoptStyle(root);
      this.input = root.getElementById("q");
      this.list = root.getElementById("results");
      this.status = root.querySelector(".status");
      this.more = root.querySelector(".more");
      root.querySelector("label").textContent = "搜索政策文件";
      root.querySelector("form").addEventListener("submit", (event) => { event.preventDefault(); this.search(); });
      this.input.addEventListener("input", () => { clearTimeout(this.timer); this.timer = setTimeout(() => this.search(), 250); });
      this.input.addEventListener("keydown", (event) => this.key(event));
    }

    connectedCallback() {
      this.input.placeholder = this.getAttribute("placeholder") || "搜索政策文件、法规标题或文号";
    }

    get endpoint() { return (this.getAttribute("endpoint") || scriptOrigin || location.origin).replace(/\/$/, ""); }

    get size() { return Math.min(Math.max(parseInt(this.getAttribute("size"), 10) || 5, 1), 20); }

    query(q, size) {
      const params = new URLSearchParams({ q });
      for (const name of FILTERS) {
        for (const value of (this.getAttribute(name) || "").split(",")) if (value.trim()) params.append(name, value.trim());
      }
      if (this.hasAttribute("current") && this.getAttribute("current") !== "false") params.set("current", "true");
      if (size) params.set("size", String(size));
      return params;
    }

    link(id) {
      const template = this.getAttribute("link-template");
      return template ? template.replace("{id}", encodeURIComponent(id)) : `${this.endpoint}/documents/${encodeURIComponent(id)}`;
    }

    async search() {
      const q = this.input.value.trim();
      const ticket = ++this.asked;
      if (!q) { this.show([], ""); return; }
      const params = this.query(q, this.size);
      params.set("facets", "");
      let body;
      try {
        const response = await fetch(`${this.endpoint}/api/v1/search?${params}`, { headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(String(response.status));
        body = await response.json();
      } catch (error) {
        if (ticket === this.asked) this.show([], "检索服务暂时无法访问，请稍后再试。");
        return;
      }
      if (ticket !== this.asked) return; // a newer query has been typed
      this.searchId = body.search_id || null; // sent back with a click on one of its results
      // A cited article (民法典第1062条) comes first among the articles; a citation of one the
      // law lacks is said so.
      const cited = body.citation;
      const articles = body.question || (cited && cited.found) ? await this.articles(q) : [];
      if (ticket !== this.asked) return;
      const found = body.total ? `共找到 ${body.total} 件，显示前 ${body.results.length} 件。` : "没有找到相关文件。";
      const note = cited && !cited.found ? `${cited.message}。` : "";
      this.show(body.results, note + (articles.length ? `相关法条 ${articles.length} 条；` : "") + found, articles);
      this.more.hidden = body.total <= body.results.length;
      this.more.href = `${this.endpoint}/?${this.query(q)}`;
      this.dispatchEvent(new CustomEvent("policy-search-results", { detail: { query: q, total: body.total } }));
    }

    // The best articles in force for a question, with the widget's restrictions; none when
    // the article search cannot be reached (the documents are still shown).
    async articles(q) {
      try {
        const response = await fetch(`${this.endpoint}/api/v1/articles?${this.query(q, ARTICLES)}`,
                                     { headers: { Accept: "application/json" } });
        if (!response.ok) return [];
        return (await response.json()).results.slice(0, ARTICLES);
      } catch (error) {
        return [];
      }
    }

    show(results, message, articles = []) {
      this.results = [...articles, ...results];
      this.active = -1;
      this.status.textContent = message;
      this.more.hidden = true;
      this.input.setAttribute("aria-expanded", String(this.results.length > 0));
      this.input.removeAttribute("aria-activedescendant");
      const documentRows = results.map((hit, i) => this.documentRow(hit, articles.length + i, i + 1));
      if (!articles.length) { this.list.replaceChildren(...documentRows); return; }
      // Articles and documents as two labelled groups of options, the articles first.
      this.list.replaceChildren(
        this.group("g-articles", "相关法条", articles.map((hit, i) => this.articleRow(hit, i))),
        this.group("g-documents", "相关文件", documentRows));
    }

    group(id, label, rows) {
      const heading = element("span", "group-label", label);
      heading.id = id;
      const item = element("li", "", heading, element("ul", "", ...rows));
      item.setAttribute("role", "group");
      item.setAttribute("aria-labelledby", id);
      item.lastChild.setAttribute("role", "none");
      return item;
    }

    option(index, href, ...content) {
      const item = document.createElement("li");
      item.setAttribute("role", "none");
      item.setAttribute("part", "result");
      const anchor = element("a", "", ...content); // the option itself: no control nested in another
      anchor.id = `r${index}`;
      anchor.setAttribute("role", "option");
      anchor.setAttribute("aria-selected", "false");
      anchor.href = href;
      anchor.tabIndex = -1;
      item.append(anchor);
      return item;
    }

    // `position`: the document's rank among the search's results (the articles above are not).
    documentRow(hit, index, position) {
      const title = element("span", "title", ...markedText(hit.title_html));
      const meta = element("span", "meta", element("span", "badge", hit.status_label),
                           [hit.issuers.join("、"), hit.doc_number, hit.publish_date].filter(Boolean).join(" · "));
      const row = this.option(index, this.link(hit.id), title, meta);
      const note = (event) => { if (event.type === "click" || event.button === 1) this.noteClick(hit.id, position); };
      row.firstChild.addEventListener("click", note);
      row.firstChild.addEventListener("auxclick", note);
      return row;
    }

    // A click on a result, for the service's statistics: the search's random id, the
    // document and its position, nothing about who clicked (a beacon outlives the page).
    noteClick(docId, position) {
      if (!this.searchId || !navigator.sendBeacon) return;
      navigator.sendBeacon(`${this.endpoint}/api/v1/clicks`, JSON.stringify({
        search_id: this.searchId, doc_id: docId, position, source: "widget" }));
    }

    // An article links to its anchor on the service's document page (a portal's own pages
    // hold no article anchors): its law, number and status, and the passage that matched.
    articleRow(hit, index) {
      const law = hit.document;
      const href = `${this.endpoint}/documents/${encodeURIComponent(law.id)}#${encodeURIComponent(hit.number)}`;
      const title = element("span", "title", `${law.title} ${hit.number}`);
      const meta = element("span", "meta", element("span", "badge", law.status_label), hit.headings || "");
      const passage = element("span", "meta passage", ...markedText(hit.text_html));
      const row = this.option(index, href, title, meta, passage);
      row.setAttribute("part", "result article");
      return row;
    }

    key(event) {
      const count = this.results.length;
      if ((event.key === "ArrowDown" || event.key === "ArrowUp") && count) {
        event.preventDefault();
        this.select((this.active + (event.key === "ArrowDown" ? 1 : -1) + count) % count);
      } else if (event.key === "Enter" && this.active >= 0) {
        event.preventDefault();
        this.list.querySelectorAll('[role="option"]')[this.active].click();
      } else if (event.key === "Escape") {
        this.show([], "");
      }
    }

    select(index) {
      this.active = index;
      const options = this.list.querySelectorAll('[role="option"]');
      options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      this.input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }
  }

  customElements.define("policy-search-box", PolicySearchBox);
})();
