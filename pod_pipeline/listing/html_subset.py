"""The small HTML subset listing descriptions may use, parsed with the stdlib `html.parser`.

Stores render descriptions as HTML; anything beyond plain formatting (scripts, links, images,
inline styles, event attributes) is either rejected by the marketplace or a way to inject
content, so the subset has no attributes at all.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "h3", "h4"})
_VOID_TAGS = frozenset({"br"})
# Elements whose text is code or invisible, not copy: dropped whole instead of unwrapped.
_DROP_CONTENT_TAGS = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math", "head", "title"}
)


class _Sanitizer(HTMLParser):
    def __init__(self, text_filter: Callable[[str], str] | None) -> None:
        super().__init__(convert_charrefs=True)
        self._text_filter = text_filter
        self._out: list[str] = []
        self._open: list[str] = []  # allowed tags emitted and not yet closed
        self._dropping = 0  # depth inside _DROP_CONTENT_TAGS

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT_TAGS:
            self._dropping += 1
        elif self._dropping or tag not in ALLOWED_TAGS:
            return
        elif tag in _VOID_TAGS:
            self._out.append(f"<{tag}>")
        else:
            self._out.append(f"<{tag}>")
            self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # `<br/>` is a line break; `<p/>` or `<script/>` open and close nothing.
        if tag in _VOID_TAGS and not self._dropping:
            self._out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT_TAGS:
            self._dropping = max(0, self._dropping - 1)
        elif self._dropping or tag not in self._open:
            return  # stray or disallowed closing tag
        else:
            # Close anything left open inside it so the output always nests properly.
            while self._open:
                closed = self._open.pop()
                self._out.append(f"</{closed}>")
                if closed == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self._dropping:
            return
        if self._text_filter is not None:
            data = self._text_filter(data)
        self._out.append(html.escape(data, quote=False))

    # Comments, <!DOCTYPE>, <?php ?> and CDATA sections are never copy.
    def handle_comment(self, data: str) -> None: ...
    def handle_decl(self, decl: str) -> None: ...
    def handle_pi(self, data: str) -> None: ...
    def unknown_decl(self, data: str) -> None: ...

    def result(self) -> str:
        self.close()
        self._out.extend(f"</{tag}>" for tag in reversed(self._open))
        self._open.clear()
        return "".join(self._out).strip()


def sanitize_description_html(html_text: str, text_filter: Callable[[str], str] | None = None) -> str:
    """Keep only `ALLOWED_TAGS`, without attributes, properly nested; unwrap other tags (their
    text stays, escaped) and drop script/style-like elements with their content.

    `text_filter`, if given, rewrites every text run (e.g. to remove banned words)."""
    parser = _Sanitizer(text_filter)
    parser.feed(html_text)
    return parser.result()


class _Inspector(HTMLParser):
    """Collects what breaks the subset, and the visible text runs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text_runs: list[str] = []

    def _note(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self._note(f"description uses disallowed HTML tag <{tag}>")
        elif attrs:
            names = ", ".join(name for name, _ in attrs)
            self._note(f"description tag <{tag}> has attributes ({names}); no attributes are allowed")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self._note(f"description uses disallowed HTML tag </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text_runs.append(data)

    def handle_comment(self, data: str) -> None:
        self._note("description contains an HTML comment")

    def handle_decl(self, decl: str) -> None:
        self._note(f"description contains an HTML declaration <!{decl}>")

    def handle_pi(self, data: str) -> None:
        self._note("description contains an HTML processing instruction")

    def unknown_decl(self, data: str) -> None:
        self._note("description contains an HTML CDATA section")


def inspect_description_html(html_text: str) -> tuple[list[str], list[str]]:
    """Return (problems with the subset, visible text runs) without changing anything."""
    inspector = _Inspector()
    inspector.feed(html_text)
    inspector.close()
    return inspector.problems, inspector.text_runs
