"""Find what a strict Content Security Policy would block in a page: inline script bodies,
on*= event handler attributes, javascript: URLs, inline <style> blocks and style= attributes."""

from __future__ import annotations

from html.parser import HTMLParser

# <script> types that hold data, not code; the browser never runs them.
_DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}


class _InlineCodeFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_code_script = False
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler attribute")
            if name == "style":
                self.problems.append(f"<{tag} style=…> inline style attribute")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…> URL")
        if tag == "script":
            kind = (attributes.get("type") or "text/javascript").lower()
            self._in_code_script = kind not in _DATA_SCRIPT_TYPES and "src" not in attributes
        if tag == "style":
            self._in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_code_script = False
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if data.strip() and self._in_code_script:
            self.problems.append(f"inline <script> body: {data.strip()[:60]!r}")
        if data.strip() and self._in_style:
            self.problems.append(f"inline <style> block: {data.strip()[:60]!r}")


def inline_code(html: str) -> list[str]:
    """What in `html` a policy without 'unsafe-inline' would block (empty when the page is clean)."""
    finder = _InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems
