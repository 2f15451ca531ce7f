"""Markdown → sanitised HTML: what a trainee's browser receives, and the outline beside it."""
import pytest

from trainer.core.content.rendering import render_markdown, sanitise_html

NO_HREF = '<p><a rel="noopener noreferrer">点我</a></p>'


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("文字 <script>alert(1)</script> 文字", "<p>文字 &lt;script&gt;alert(1)&lt;/script&gt; 文字</p>"),
        ("文字<img src=x onerror=alert(1)>", "<p>文字&lt;img src=x onerror=alert(1)&gt;</p>"),
        ('<a href="https://e.cn" onclick="steal()">点</a>', '<p>&lt;a href="https://e.cn" onclick="steal()"&gt;点&lt;/a&gt;</p>'),
        ("<b>加粗</b>", "<p>&lt;b&gt;加粗&lt;/b&gt;</p>"),
        ('<div class="tip">提示</div>', '<p>&lt;div class="tip"&gt;提示&lt;/div&gt;</p>'),
        ("`<script>`", "<p><code>&lt;script&gt;</code></p>"),
        ("[点我](javascript:alert(1))", NO_HREF),
        ("[点我](JaVaScRiPt:alert(1))", NO_HREF),
        ("[点我](vbscript:msgbox(1))", NO_HREF),
        ("[点我](data:text/html;base64,PHNjcmlwdD4=)", NO_HREF),
        ("[点我](lesson:javascript:alert(1))", NO_HREF),
        ("[点我][r]\n\n[r]: javascript:alert(1)", NO_HREF),
        ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>"),
        ("![图](https://e.com/x.png)", "<p></p>"),
        ("[点我](https://example.com)", '<p><a href="https://example.com" rel="noopener noreferrer">点我</a></p>'),
        ("[点我](mailto:kefu@example.com)", '<p><a href="mailto:kefu@example.com" rel="noopener noreferrer">点我</a></p>'),
    ],
    ids=[
        "script-block", "script-inline", "img-onerror", "a-onclick", "b-tag", "div-tag", "code-span",
        "javascript", "javascript-mixed-case", "vbscript", "data", "lesson-javascript", "reference-javascript",
        "autolink-javascript", "image-dropped", "https-kept", "mailto-kept",
    ],
)
def test_markdown_is_sanitised(markdown, html):
    assert render_markdown(markdown).html == html


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("[下一课](lesson:order-check)", '<p><a href="order-check" rel="noopener noreferrer">下一课</a></p>'),
        (
            '[下一课](lesson:order-check "核对")',
            '<p><a href="order-check" title="核对" rel="noopener noreferrer">下一课</a></p>',
        ),
        ("[下一课][r]\n\n[r]: lesson:order-check", '<p><a href="order-check" rel="noopener noreferrer">下一课</a></p>'),
        ("lesson:order-check 不是链接", "<p>lesson:order-check 不是链接</p>"),
    ],
    ids=["inline", "with-title", "reference", "plain-text-untouched"],
)
def test_lesson_links_become_relative_ids(markdown, html):
    assert render_markdown(markdown).html == html


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        (
            '!!! tip "小技巧"\n    先看订单号。',
            '<div class="admonition tip">\n<p class="admonition-title">小技巧</p>\n<p>先看订单号。</p>\n</div>',
        ),
        (
            '!!! bad "不合格的回复"\n    **顾客**：在吗？',
            '<div class="admonition bad">\n<p class="admonition-title">不合格的回复</p>\n'
            "<p><strong>顾客</strong>：在吗？</p>\n</div>",
        ),
        (
            '!!! foo "标题"\n    内容',
            '<div class="admonition">\n<p class="admonition-title">标题</p>\n<p>内容</p>\n</div>',
        ),
        (
            '!!! good evil "标题"\n    内容',
            '<div class="admonition good">\n<p class="admonition-title">标题</p>\n<p>内容</p>\n</div>',
        ),
    ],
    ids=["tip", "bad", "unknown-kind-dropped", "extra-class-dropped"],
)
def test_admonitions_keep_known_classes(markdown, html):
    assert render_markdown(markdown).html == html


@pytest.mark.parametrize(
    ("html", "clean"),
    [
        ('<div class="admonition tip evil">x</div>', '<div class="admonition tip">x</div>'),
        ('<div class="admonition note">x</div>', '<div class="admonition note">x</div>'),
        ('<div class="evil">x</div>', "<div>x</div>"),
        ('<p class="admonition-title">t</p>', '<p class="admonition-title">t</p>'),
        ('<span class="tip">s</span>', "<span>s</span>"),
        ('<h2 id="投诉处理">x</h2>', '<h2 id="投诉处理">x</h2>'),
        ('<h3 id="第一步快速反应">x</h3>', '<h3 id="第一步快速反应">x</h3>'),
        ('<h2 id="a b">x</h2>', "<h2>x</h2>"),
        ('<h2 id="x&quot; onmouseover=&quot;y">x</h2>', "<h2>x</h2>"),
        ('<h3 onclick="x()">t</h3>', "<h3>t</h3>"),
        ('<p onmouseover="x()">p</p>', "<p>p</p>"),
        ("<script>alert(1)</script>", ""),
        ("<svg><script>alert(1)</script></svg>", ""),
        ('<iframe src="https://e.com"></iframe>', ""),
        ("<style>p{}</style>", ""),
        ("<img src=x onerror=alert(1)>", ""),
        ('<a href="javascript:alert(1)">a</a>', '<a rel="noopener noreferrer">a</a>'),
        ('<a href="https://e.com" target="_blank">a</a>', '<a href="https://e.com" rel="noopener noreferrer">a</a>'),
        ("<table><tr><td onclick=x>1</td></tr></table>", "<table><tbody><tr><td>1</td></tr></tbody></table>"),
    ],
)
def test_sanitise_html(html, clean):
    assert sanitise_html(html) == clean


@pytest.mark.parametrize(
    ("markdown", "heading"),
    [
        ("## 投诉处理\n\n文字", '<h2 id="投诉处理">投诉处理</h2>'),
        ("### 第一步：快速反应\n\n文字", '<h3 id="第一步快速反应">第一步：快速反应</h3>'),
        ("## Hello World\n\n文字", '<h2 id="hello-world">Hello World</h2>'),
        ("## 同名\n\n文字\n\n## 同名\n\n文字", '<h2 id="同名_1">同名</h2>'),
        ("## <script>x</script>标题\n\n文字", '<h2 id="scriptxscript标题">&lt;script&gt;x&lt;/script&gt;标题</h2>'),
    ],
    ids=["chinese", "chinese-punctuation", "latin", "duplicate", "raw-html-in-heading"],
)
def test_heading_ids_keep_unicode(markdown, heading):
    assert heading in render_markdown(markdown).html


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("```\n# 标题\n<script>x</script>\n```", "<pre><code># 标题\n&lt;script&gt;x&lt;/script&gt;\n</code></pre>"),
        ("```python\nx = 1\n```", "<pre><code>x = 1\n</code></pre>"),
        ("~~~\n[甲](lesson:x)\n~~~", "<pre><code>[甲](lesson:x)\n</code></pre>"),
        ("文字\n\n```\n没有闭合", "<p>文字</p>\n<p>```\n没有闭合</p>"),
    ],
    ids=["heading-and-html-inside", "language-class-dropped", "tilde-link-inside", "unclosed-is-text"],
)
def test_fenced_code_renders_as_pre_code(markdown, html):
    assert render_markdown(markdown).html == html


def test_tables_are_rendered():
    html = render_markdown("| 项目 | 内容 |\n| --- | --- |\n| 商品 | 尺码 |").html
    assert html == (
        "<table>\n<thead>\n<tr>\n<th>项目</th>\n<th>内容</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>商品</td>\n<td>尺码</td>\n</tr>\n</tbody>\n</table>"
    )


@pytest.mark.parametrize(
    ("markdown", "outline"),
    [
        ("只有正文。", ()),
        ("## 甲\n\n文", ((2, "甲", "甲"),)),
        (
            "## 甲\n\n文\n\n### 乙\n\n文\n\n#### 丁\n\n文\n\n## 丙\n\n文",
            ((2, "甲", "甲"), (3, "乙", "乙"), (2, "丙", "丙")),
        ),
        ("## 第一步：快速反应\n\n文", ((2, "第一步快速反应", "第一步：快速反应"),)),
        ("## 同名\n\n文\n\n## 同名\n\n文", ((2, "同名", "同名"), (2, "同名_1", "同名"))),
        ("## Hello World\n\n文", ((2, "hello-world", "Hello World"),)),
        ("## **重点**词\n\n文", ((2, "重点词", "重点词"),)),
        ("## 售后 & 退款\n\n文", ((2, "售后-退款", "售后 & 退款"),)),
        ("## <b>加粗</b> &lt;\n\n文", ((2, "b加粗b", "<b>加粗</b> <"),)),
    ],
    ids=["none", "one", "h4-left-out", "punctuation", "duplicate", "latin", "bold", "ampersand", "raw-html-as-text"],
)
def test_outline(markdown, outline):
    assert render_markdown(markdown).outline == outline


def test_every_outline_anchor_exists_in_html():
    rendered = render_markdown("## 甲\n\n文\n\n### 乙：二\n\n文\n\n## 甲\n\n文")
    for _, anchor, _ in rendered.outline:
        assert f'id="{anchor}"' in rendered.html
