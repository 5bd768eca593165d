"""sanitize_description_html keeps the safe subset and nothing else."""

from __future__ import annotations

import pytest

from pod_pipeline.listing import listing_violations, sanitize_description_html
from pod_pipeline_tests.listing.builders import default_rules, valid_listing


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Hello <strong>bold</strong> <em>it</em></p>", "<p>Hello <strong>bold</strong> <em>it</em></p>"),
        ("<h3>Title</h3><h4>Sub</h4><ol><li>a</li></ol><ul><li><b>b</b> <i>c</i></li></ul>",
         "<h3>Title</h3><h4>Sub</h4><ol><li>a</li></ol><ul><li><b>b</b> <i>c</i></li></ul>"),
        ("line one<br/>line two<br>three", "line one<br>line two<br>three"),
        # script and style vanish with their content
        ("<p>Hi</p><script>alert('x')</script>", "<p>Hi</p>"),
        ("<style>p{color:red}</style><p>Hi</p>", "<p>Hi</p>"),
        ("<p>a<svg><circle/><text>b</text></svg>c</p>", "<p>ac</p>"),
        # attributes are stripped, including event handlers and styles
        ('<p class="x" style="color:red" onclick="evil()">Hi</p>', "<p>Hi</p>"),
        ('<strong onmouseover="x()">bold</strong>', "<strong>bold</strong>"),
        # other tags are unwrapped: their text stays
        ('<div><a href="javascript:x()">click</a> <span>here</span></div>', "click here"),
        ('<h1>Big</h1><img src=x onerror="alert(1)">', "Big"),
        ("<table><tr><td>cell</td></tr></table>", "cell"),
        # comments, doctype and processing instructions disappear
        ("<!DOCTYPE html><!-- secret --><p>Hi</p><?php echo 1 ?>", "<p>Hi</p>"),
        # malformed: unclosed tags are closed, stray closers dropped, overlaps made to nest
        ("<p>open <b>bold", "<p>open <b>bold</b></p>"),
        ("text</p></li></b>", "text"),
        ("<b><i>both</b> after</i>", "<b><i>both</i></b> after"),
        ("<ul><li>one<li>two</ul>", "<ul><li>one<li>two</li></li></ul>"),
        # text is escaped so it cannot become markup again
        ("<p>5 &lt; 6 &amp; 7 &gt; 3</p>", "<p>5 &lt; 6 &amp; 7 &gt; 3</p>"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<p>1 < 2</p>", "<p>1 &lt; 2</p>"),
        ("<scr<script>ipt>alert(1)</script>", "ipt&gt;alert(1)"),  # no "<" survives
        ("", ""),
    ],
)
def test_sanitizer(dirty, clean):
    assert sanitize_description_html(dirty) == clean


@pytest.mark.parametrize(
    "dirty",
    [
        "<p onclick=x>Hi<script>bad()</script><a href=y>link</a></p><!-- c -->",
        "<div><p class=a>one<b>two</div><iframe src=x>inner</iframe>three",
        "<<p>>Hi<</p>>",
        "<p>unterminated <b",
    ],
)
def test_sanitized_output_passes_the_rules_and_is_stable(dirty):
    clean = sanitize_description_html(dirty)
    assert "<script" not in clean and "href" not in clean and "onclick" not in clean
    assert sanitize_description_html(clean) == clean
    violations = listing_violations(valid_listing(description_html=clean or "<p>x</p>"), default_rules())
    assert violations == []


def test_text_filter_rewrites_only_text():
    clean = sanitize_description_html("<p>I love <b>strong</b> coffee</p>", lambda text: text.replace("o", "0"))
    assert clean == "<p>I l0ve <b>str0ng</b> c0ffee</p>"


# -- the description as Markdown, for the Dagster UI (issue 15, item 3) -------------------------
from pod_pipeline.listing.html_subset import description_markdown, markdown_text  # noqa: E402


def test_a_description_reads_in_markdown_as_a_buyer_reads_it():
    html_text = ("<p>Museum-grade <strong>matte</strong> paper, <em>made to order</em>.</p>"
                 "<ul><li>30 x 40 cm</li><li>Ships flat</li></ul><ol><li>Unbox</li><li>Frame</li></ol>"
                 "<h3>Care</h3><p>Keep dry.<br>Avoid sun.</p>")
    assert description_markdown(html_text) == (
        "Museum\\-grade **matte** paper, *made to order*\\.\n\n- 30 x 40 cm\n- Ships flat\n\n"
        "1. Unbox\n2. Frame\n\n### Care\n\nKeep dry\\.  \nAvoid sun\\.")


@pytest.mark.parametrize("hostile", [
    "![tracker](https://evil.example/pixel.png)", "[free gift](https://evil.example)", "# Heading takeover",
    "<img src=x onerror=alert(1)>", "`code` and *stars* and _under_", "<script>alert(1)</script>visible",
    "javascript:alert(1)", "| a | b |",
])
def test_copy_never_becomes_markup_where_it_is_shown(hostile):
    shown = description_markdown(f"<p>{hostile}</p>")
    assert "](" not in shown and "<img" not in shown and "<script" not in shown and not shown.startswith("#")
    assert "alert(1)</script>" not in shown
    assert markdown_text(hostile).count("\\") >= 1 or not any(c in hostile for c in "[]()#`*_<>|!")
