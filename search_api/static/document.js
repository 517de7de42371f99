// A document's page: the article a link points to (#第五十六条) is marked for assistive
// technology too (aria-current; CSS :target marks it on screen, with or without script)
// and receives the focus, so that the keyboard and a screen reader continue from it.
(() => {
  "use strict";
  function markLinkedArticle() {
    const id = decodeURIComponent(window.location.hash.slice(1));
    const article = id ? document.getElementById(id) : null;
    for (const previous of document.querySelectorAll('.article[aria-current]')) {
      if (previous !== article) previous.removeAttribute("aria-current");
    }
    if (!article || !article.classList.contains("article")) return;
    article.setAttribute("aria-current", "location");
    article.tabIndex = -1;
    article.focus({ preventScroll: true }); // the browser has scrolled to it already
  }
  window.addEventListener("hashchange", markLinkedArticle);
  markLinkedArticle();
})();
