"""HTML rendering for the pages: one Jinja2 environment, and error pages in Chinese."""

from __future__ import annotations

import shlex
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


def is_web_url(url: object) -> bool:
    """Whether a stored URL may be a link: http(s) with a host. A `javascript:` or `data:`
    URL from a source (or a CMS) stays text: clicking it would run in the service's origin."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


templates.env.tests["web_url"] = is_web_url
# A citizen's query shown as part of a command to copy: quoted for the shell.
templates.env.filters["shell_quote"] = shlex.quote

# What a citizen reads when a page cannot be shown (the API's messages are for developers).
ERROR_TITLES = {
    400: "请求有误", 404: "未找到页面", 405: "请求方式不支持", 422: "请求参数有误", 429: "请求过于频繁",
    500: "服务出现问题", 503: "检索服务暂时不可用",
}
ERROR_MESSAGES = {
    500: "服务处理请求时出现问题，请稍后再试。",
    503: "检索索引暂时无法访问，请稍后再试。",
}


def is_page(request: Request) -> bool:
    """Requests for the citizens' pages get HTML errors; the API keeps its JSON errors."""
    path = request.url.path
    return path == "/" or path.startswith("/documents/")


def error_page(request: Request, status_code: int, message: str | None = None) -> HTMLResponse:
    html = templates.get_template("error.html").render(
        request=request, title=ERROR_TITLES.get(status_code, "出现错误"),
        message=message or ERROR_MESSAGES.get(status_code, "无法显示此页面。"),
    )
    return HTMLResponse(html, status_code=status_code)
