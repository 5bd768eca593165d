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


_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-.!|~"})


def markdown_text(text: str) -> str:
    """Text shown as Markdown exactly as written: every Markdown character escaped, so copy
    cannot turn into a link, an image or a heading where it is displayed (the Dagster UI)."""
    return " ".join(text.split()).translate(_MARKDOWN_SPECIAL)


class _ToMarkdown(HTMLParser):
    _INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # [kind, items so far]

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._INLINE:
            self.out.append(self._INLINE[tag])
        elif tag in ("ul", "ol"):
            self.lists.append([tag, 0])
            self.out.append("\n")
        elif tag == "li" and self.lists:
            self.lists[-1][1] += 1
            kind, count = self.lists[-1]
            self.out.append("\n" + "  " * (len(self.lists) - 1) + ("- " if kind == "ul" else f"{count}. "))
        elif tag in ("h3", "h4"):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "br":
            self.out.append("  \n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._INLINE:
            self.out.append(self._INLINE[tag])
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.out.append("\n\n")
        elif tag in ("p", "h3", "h4"):
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if data.strip():
            lead = " " if data[:1].isspace() and self.out and not self.out[-1].endswith((" ", "\n")) else ""
            trail = " " if data[-1:].isspace() else ""
            self.out.append(lead + markdown_text(data) + trail)


def description_markdown(html_text: str) -> str:
    """A sanitized description as Markdown, so a UI that renders Markdown but not HTML shows it
    as a buyer reads it: paragraphs, lists, bold and italic; every other character literal."""
    parser = _ToMarkdown()
    parser.feed(sanitize_description_html(html_text))
    parser.close()
    text = "".join(parser.out)
    lines = [line.rstrip() if not line.endswith("  ") else line for line in text.split("\n")]
    collapsed, blank = [], 0
    for line in lines:
        blank = blank + 1 if not line.strip() else 0
        if blank <= 1:
            collapsed.append(line)
    return "\n".join(collapsed).strip()
