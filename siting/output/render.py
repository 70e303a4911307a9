"""Report blocks rendered as Markdown and as one self-contained HTML page.

A block is ``("h1"|"h2"|"p", text)``, ``("table", header, rows)`` or
``("img", file name, caption)``; paragraphs may hold Markdown's ``**bold**`` and
```code```. The HTML embeds each image (base64), so the page stands alone.
"""

from __future__ import annotations

import base64
import html
from typing import Any


def markdown(blocks: list[tuple[Any, ...]]) -> str:
    """Report blocks (see :func:`report_blocks`) as Markdown text."""
    lines = []
    for kind, *content in blocks:
        if kind == "h1":
            lines += [f"# {content[0]}", ""]
        elif kind == "h2":
            lines += [f"## {content[0]}", ""]
        elif kind == "p":
            lines += [content[0], ""]
        elif kind == "img":
            lines += [f"![{content[1]}]({content[0]})", ""]
        else:
            header, rows = content
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "---|" * len(header))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


def _cell(value: object) -> str:
    """A Markdown table cell: a "|" in the text must not end the cell."""
    return str(value).replace("|", "\\|")


def html_page(blocks: list[tuple[Any, ...]], images: dict[str, bytes]) -> str:
    """Report blocks as an HTML page, ``images`` (file name -> PNG bytes) inline."""
    body = []
    for kind, *content in blocks:
        if kind in ("h1", "h2"):
            body.append(f"<{kind}>{html.escape(content[0])}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{_inline(content[0])}</p>")
        elif kind == "img":
            data = base64.b64encode(images[content[0]]).decode("ascii")
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" '
                f'alt="{html.escape(content[1])}"><figcaption>'
                f"{html.escape(content[1])}</figcaption></figure>"
            )
        else:
            header, rows = content
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
            cells = "".join(
                "<tr>"
                + "".join(f"<td>{html.escape(str(c))}</td>" for c in row)
                + "</tr>"
                for row in rows
            )
            body.append(f"<table><tr>{head}</tr>{cells}</table>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>siting report</title><style>body{font-family:sans-serif;max-width:"
        "64em;margin:auto;padding:1em}table{border-collapse:collapse}td,th{border:1px"
        " solid #ccc;padding:.2em .5em;text-align:right}img{max-width:100%}</style>"
        "</head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _inline(text: str) -> str:
    """Markdown's ``**bold**`` and ```code``` as HTML, the rest escaped."""
    parts = html.escape(text).split("**")
    text = "".join(p if i % 2 == 0 else f"<b>{p}</b>" for i, p in enumerate(parts))
    parts = text.split("`")
    return "".join(
        p if i % 2 == 0 else f"<code>{p}</code>" for i, p in enumerate(parts)
    )
