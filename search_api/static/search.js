// The search page without reloads: title suggestions while typing, and results, facets and
// pages fetched in place with the URL kept in step (shareable; the back button works).
// Without JavaScript the same form and links work through the server-rendered page.
(() => {
  "use strict";
  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const listbox = document.getElementById("suggestions");
  if (!form || !input || !listbox) return;
  document.documentElement.classList.add("js");

  const phone = window.matchMedia("(max-width: 760px)");
  const filters = () => document.getElementById("filters");
  if (phone.matches && filters()) filters().open = false;

  // --- results in place -----------------------------------------------------------------

  function formUrl() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (String(value).trim()) params.append(name, value);
    }
    const query = params.toString();
    return query ? "/?" + query : "/";
  }

  let pending = null;
  async function load(url, { push = true, focusKey = null } = {}) {
    const area = document.getElementById("results-area");
    if (pending) pending.abort();
    pending = new AbortController();
    area.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, { signal: pending.signal, headers: { Accept: "text/html" } });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("results-area");
      if (!fresh) throw new Error("unexpected page");
      const filtersWereOpen = filters() ? filters().open : true;
      area.replaceWith(fresh);
      if (filters()) filters().open = filtersWereOpen;
      document.title = page.title;
      if (push) history.pushState(null, "", url);
      const target = focusKey && fresh.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
      if (target) target.focus();
      // the first heading of what came: the articles that answer a question come first
      else (document.getElementById("articles-heading") || document.getElementById("results-heading"))?.focus();
    } catch (error) {
      if (error.name !== "AbortError") window.location.href = url; // let the server page show it
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    closeSuggestions();
    load(formUrl());
  });
  form.addEventListener("change", (event) => {
    const control = event.target;
    if (control === input || !control.closest("#results-area")) return;
    load(formUrl(), { focusKey: control.dataset.key || null });
  });
  form.addEventListener("click", (event) => {
    const link = event.target.closest(".pagination a");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    load(link.getAttribute("href")).then(() => window.scrollTo(0, 0));
  });
  window.addEventListener("popstate", () => {
    input.value = new URLSearchParams(window.location.search).get("q") || "";
    load(window.location.pathname + window.location.search, { push: false });
  });

  // --- clicks on results, for the search statistics ----------------------------------
  // The search's random id (from its answer), the document and its position: nothing about
  // who clicked. A beacon outlives the page it is sent from.

  function noteClick(event) {
    if (event.type === "auxclick" && event.button !== 1) return; // a middle click opens a tab
    const link = event.target.closest(".result-title a, .result-articles a");
    const list = link && link.closest(".result-list[data-search-id]");
    if (!list || !navigator.sendBeacon) return;
    const result = link.closest(".result");
    const rank = list.start + Array.prototype.indexOf.call(list.children, result); // <ol start> is the first's
    navigator.sendBeacon("/api/v1/clicks", JSON.stringify({
      search_id: list.dataset.searchId, doc_id: result.dataset.id, position: rank, source: "page",
    }));
  }
  document.addEventListener("click", noteClick);
  document.addEventListener("auxclick", noteClick);

  // --- suggestions (ARIA combobox with a listbox) -------------------------------------

  let active = -1;
  let asked = 0;
  let timer = 0;

  function options() { return Array.from(listbox.querySelectorAll('[role="option"]')); }

  function closeSuggestions() {
    clearTimeout(timer);
    asked++; // an answer still on its way is not shown
    listbox.hidden = true;
    listbox.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", all[active].id);
  }

  function choose(option) {
    input.value = option.textContent;
    closeSuggestions();
    load(formUrl());
  }

  async function suggest() {
    const prefix = input.value.trim();
    const ticket = ++asked;
    if (!prefix) return closeSuggestions();
    try {
      const response = await fetch("/api/v1/suggest?" + new URLSearchParams({ q: prefix, size: "8" }));
      if (!response.ok || ticket !== asked) return;
      const { suggestions } = await response.json();
      if (ticket !== asked) return;
      listbox.replaceChildren(...suggestions.map((item, i) => {
        const option = document.createElement("li");
        option.id = "suggestion-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.text;
        option.addEventListener("mousedown", (event) => { event.preventDefault(); choose(option); });
        return option;
      }));
      active = -1;
      listbox.hidden = suggestions.length === 0;
      input.setAttribute("aria-expanded", String(suggestions.length > 0));
    } catch (error) {
      closeSuggestions(); // suggestions are a convenience; searching still works
    }
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 120); });
  input.addEventListener("blur", () => setTimeout(closeSuggestions, 100));
  input.addEventListener("keydown", (event) => {
    const open = !listbox.hidden;
    if (event.key === "ArrowDown" && open) { event.preventDefault(); highlight(active + 1); }
    else if (event.key === "ArrowUp" && open) { event.preventDefault(); highlight(active - 1); }
    else if (event.key === "Escape" && open) { event.preventDefault(); closeSuggestions(); }
    else if (event.key === "Enter" && open && active >= 0) { event.preventDefault(); choose(options()[active]); }
  });
})();
