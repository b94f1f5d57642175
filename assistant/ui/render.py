"""HTML for the web app: replies, sources grouped by article, briefs, filter chips.

Pure functions of the answer types, so they are tested without a browser. Every piece of
article or user text is HTML-escaped here; the only markup is what these functions write, so
markup inside an article is shown as text and never executed. Citation markers become links
to the passage they cite (``#src-<turn>-<n>`` in Ask, ``#brief-src-<n>`` in Brief).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from markdown_it import MarkdownIt

from assistant.citations import marked_text
from assistant.types import Answer, Citation

_MARKER = re.compile(r"\[(\d+)\]")
DocText = Callable[[str], str | None]


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def link_markers(escaped: str, anchor: Callable[[str], str]) -> str:
    """[n] in already-escaped text -> a link to the passage n."""
    return _MARKER.sub(lambda m: f'<a class="cite" href="#{anchor(m.group(1))}">[{m.group(1)}]</a>', escaped)


def paragraph_with_mark(text: str, start: int, end: int) -> str:
    """The paragraph around text[start:end], escaped, with the quote highlighted."""
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    before, quote, after = text[para_start:start], text[start:end], text[end:para_end]
    return f"{esc(before)}<mark>{esc(quote)}</mark>{esc(after)}"


# ---- sources ------------------------------------------------------------------------------------
def group_by_article(citations: Sequence[Citation]) -> list[list[Citation]]:
    """Citations of one article together, articles in the order they are first cited."""
    groups: dict[str, list[Citation]] = {}
    for c in citations:
        groups.setdefault(c.doc_id, []).append(c)
    return list(groups.values())


def render_sources(turn: int, question: str, citations: Sequence[Citation], doc_text: DocText,
                   label: str) -> str:
    """One turn of the Sources panel: each article once (title, date, source), its passages under it."""
    head = f'<div class="turn">Q{turn}: {esc(question)} — {esc(label)}</div>'
    if not citations:
        return head + '<p class="meta">No passages.</p>'
    cards = []
    for group in group_by_article(citations):
        first = group[0]
        text = doc_text(first.doc_id) or ""
        passages = []
        for c in group:
            body = (paragraph_with_mark(text, c.start, c.end) if text[c.start : c.end] == c.quote
                    else f"<mark>{esc(c.quote)}</mark>")
            passages.append(f'<li class="source" id="src-{turn}-{c.id}"><span class="n">[{c.id}]</span> '
                            f"<span>{body}</span></li>")
        cards.append(f'<article class="article"><h4>{esc(first.title)}</h4>'
                     f'<div class="meta">{esc(first.date or "undated")} · {esc(first.source)}</div>'
                     f'<ul class="passages">{"".join(passages)}</ul></article>')
    return head + "".join(cards)


def render_turn(turn: int, question: str, answer: Answer, doc_text: DocText) -> str:
    if answer.citations:
        return render_sources(turn, question, answer.citations, doc_text, "Sources")
    return render_sources(turn, question, answer.related, doc_text,
                          "Closest passages (the articles do not answer this)")


# ---- replies --------------------------------------------------------------------------------------
def _linked(turn: int, text: str) -> str:
    return link_markers(esc(text), lambda n: f"src-{turn}-{n}")


def render_progress(turn: int, status: str, sentences: Sequence[str], n_sources: int = 0) -> str:
    """The reply while it is being made: verified sentences so far, then what is happening."""
    parts = [f"<p>{_linked(turn, s)}</p>" for s in sentences]
    line = esc(status)
    if n_sources and not sentences:
        line += f" ({n_sources} passages shown under Sources)"
    parts.append(f'<p class="status" role="status"><em>{line}…</em></p>')
    return "".join(parts)


def _short_answer_quote(answer: Answer) -> Citation | None:
    """The cited quote that holds the short answer verbatim, or None."""
    short = answer.short_answer
    cited = next((c for c in answer.citations if short and c.id == short.citation), None)
    if short is None or cited is None or not (cited.start <= short.start and short.end <= cited.end):
        return None
    return cited if cited.quote[short.start - cited.start: short.end - cited.start] == short.text else None


def render_short_answer(turn: int, answer: Answer) -> str:
    """The direct answer in bold, then the quote that holds it with the span highlighted."""
    short = answer.short_answer
    if short is None or answer.abstained:
        return ""
    out = f'<p class="short-answer"><strong>{esc(short.text)}</strong> {_linked(turn, f"[{short.citation}]")}</p>'
    cited = _short_answer_quote(answer)
    if cited is not None:
        a, b, quote = short.start - cited.start, short.end - cited.start, cited.quote
        out += (f'<blockquote class="support">“{esc(quote[:a])}<mark>{esc(quote[a:b])}</mark>'
                f'{esc(quote[b:])}” {_linked(turn, f"[{cited.id}]")}</blockquote>')
    return out


def render_reply(turn: int, answer: Answer) -> str:
    """The finished reply: the short answer first when there is one, then the verified text.
    A quoted answer's sentence already shown as the short answer's quote is not shown again."""
    text = answer.answer
    cited = None if answer.abstained else _short_answer_quote(answer)
    if cited is not None and answer.mode == "extractive":
        text = marked_text([s for s in answer.sentences if s.citations != [cited.id]])
    text = _linked(turn, text)
    if answer.abstained:
        body = f'<p class="abstained">{text}</p>'
        if answer.related:
            body += "<p><em>The closest passages are listed under Sources.</em></p>"
    else:
        body = f"<p>{text}</p>" if text else ""
        if answer.note:
            body += f'<p class="note"><em>{esc(answer.note)}</em></p>'
    return render_short_answer(turn, answer) + body


def render_notice(text: str, kind: str = "warning") -> str:
    return f'<p class="notice {kind}" role="alert">{esc(text)}</p>'


# ---- filters ------------------------------------------------------------------------------------
def render_chips(chips: Sequence[str], problems: Sequence[str] = ()) -> str:
    """Active filters as chips; problems with them (an unreadable date) as a plain message."""
    out = ""
    if chips:
        items = "".join(f'<li class="chip">{esc(c)}</li>' for c in chips)
        out += f'<ul class="chips" aria-label="Active filters">{items}</ul>'
    for p in problems:
        out += render_notice(p)
    return out


# ---- briefs -------------------------------------------------------------------------------------
_MD = MarkdownIt("commonmark", {"html": False}).disable(["image", "link", "autolink"])
_SOURCES_LIST = re.compile(r"(<h2>Sources</h2>\s*<ol(?: start=\"(\d+)\")?>)(.*?)(</ol>)", re.S)


_SOURCE_ITEM = re.compile(r"<li>\s*\[(\d+)\]")


def render_brief(markdown: str) -> str:
    """A brief's Markdown as HTML, with [n] linked to its numbered source.

    Raw HTML, links and images in the text stay text (nothing loads from other hosts)."""
    body = _MD.render(markdown)

    def number_sources(m: re.Match) -> str:
        n = int(m.group(2) or 1)
        items = m.group(3).split("<li>")
        numbered = items[0] + "".join(f'<li id="brief-src-{n + i}">{item}' for i, item in enumerate(items[1:]))
        return m.group(1) + numbered + m.group(4)

    head, sep, tail = body.partition("<h2>Sources</h2>")
    head = link_markers(head, lambda n: f"brief-src-{n}")
    if not sep:
        return head
    # Sources grouped by article: each passage's item starts with its own "[n]".
    numbered, found = _SOURCE_ITEM.subn(lambda m: f'<li id="brief-src-{m.group(1)}">[{m.group(1)}]', tail)
    if found:
        return head + sep + numbered
    return _SOURCES_LIST.sub(number_sources, head + sep + tail)
