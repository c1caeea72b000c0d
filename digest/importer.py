"""import, the reading half: a page of newspaper text becomes article records, every doubtful decision flagged.

Pure functions (text in, records out); digest/drafts.py writes the records as draft articles.

The text is what a PDF or e-paper extraction gives: one paragraph a line, with the page layout's
damage in it. Articles are anchored on what a page prints reliably, bylines (□记者 …) and
datelines (本报青岛讯); the short lines just above an anchor are its headline block (kicker,
title, subtitle). Inside an article, a line that does not end a sentence is joined with the
next one, and a short line without final punctuation is a subhead. What the page cannot tell
for certain (a brief without a headline, a kicker above the wrong headline, a passage the layout
moved away from its paragraph, a traditional character) is flagged with its input line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .errors import DigestError, error
from .hanzi import traditional_chars

BOXES = "□■◇◆○●"
SPACES = " \t\u3000\u00a0\ufeff"
CLOSERS = "”’」』）)》〉】\"'"
FINAL = set("。！？!?…；;：:")  # a line ending in one of these ends its sentence (closing quotes aside)
CLAUSE = set("。，,；;：:！？!?")  # a subhead has none of these inside
NOT_HEADER_END = set("。，,；;、…")
NON_INITIAL = set("的们吗呢吧么、，,。；;：:！？!?）)》」』")  # never start a sentence (but 的确, below)
INITIAL_WORDS = ("的确", "的士")
HEADER_MAX = 32  # characters: a headline, kicker or subtitle is shorter
HEADER_LINES = 3  # kicker, title, subtitle
SUBHEAD_MAX = 25
PLACEHOLDER = "【待拟标题】"
EDITOR_HEADLINE = "editor's headline"

ROLE = r"(?:本报|本刊|首席|特约|实习|见习|摄影)*(?:记者|通讯员|实习生)"
ROLE_RE = re.compile(ROLE)
BYLINE_END = ("报道", "报导", "摄影报道", "摄")
NAME_RE = re.compile(r"^[\u3400-\u9fff·]{1,6}(?:[/／][文图摄])?$")
DATELINE_RE = re.compile(
    r"^(?:(?:本报|本刊)[\u4e00-\u9fff]{0,8}?(?:讯(?!员)|电(?=[\s\d(（:：]|$))"
    r"|(?:新华社|中新社|中新网)[\u4e00-\u9fff]{0,8}?(?:\d{1,2}月\d{1,2}日)?电)")
INNER_BYLINE_RE = re.compile(r"^[(（]\s*(" + ROLE + r"[^()（）]{1,40}?)\s*[)）]\s*")
END_BYLINE_RE = re.compile(r"[(（]\s*(" + ROLE + r"[^()（）]{1,40}?)\s*[)）]$")
DATE_CLAUSE_RE = re.compile(r"^[\d\s年月日至到—-]+$")


@dataclass(frozen=True)
class Unit:
    """One non-empty line of the page: its number in the input and its text, trimmed."""

    line: int
    text: str


@dataclass(frozen=True)
class Anchor:
    """What starts an article: a byline and/or a dateline, and the body text that follows on its line."""

    byline: str = ""
    dateline: str = ""
    rest: str = ""


@dataclass
class Paragraph:
    """A body paragraph (or `##` subhead) and the input lines it was made of."""

    text: str
    lines: list[int]
    subhead: bool = False

    @property
    def line(self) -> int:
        """The input line it starts on."""
        return self.lines[0]


@dataclass(frozen=True)
class Flag:
    """A decision import could not make: the input line, a stable code, what is doubtful, what to do."""

    line: int
    code: str
    message: str
    hint: str = ""


@dataclass
class Article:
    """One article read from the page, with what was decided and what is left to the editor."""

    start: int  # first input line (kicker, headline or byline)
    end: int  # last input line
    title: str = ""
    title_line: int | None = None
    kicker: str = ""
    kicker_line: int | None = None
    subtitle: str = ""
    byline: str = ""
    dateline: str = ""
    title_note: str = ""
    paragraphs: list[Paragraph] = field(default_factory=list)
    joins: list[tuple[int, int]] = field(default_factory=list)  # (line, line) rejoined
    flags: list[Flag] = field(default_factory=list)

    @property
    def body_text(self) -> str:
        """Headline and body as one text, for comparing articles' vocabulary."""
        return "\n".join([self.title, self.subtitle] + [p.text for p in self.paragraphs])


@dataclass(frozen=True)
class KickerMove:
    """Suggested fix: the kicker of article `source` belongs to article `target`."""

    source: int
    target: int


@dataclass(frozen=True)
class PassageMove:
    """Suggested fix: paragraphs [first, stop) of article `source` continue the last paragraph of `target`."""

    source: int
    first: int
    stop: int
    target: int


@dataclass
class PageImport:
    """The articles of a page, in page order; flags about text outside them; the suggested fixes."""

    articles: list[Article]
    flags: list[Flag] = field(default_factory=list)
    fixes: list = field(default_factory=list)


# ---------------------------------------------------------------- the page

def parse_page(text: str, shown: str) -> PageImport:
    """Split a page's text into articles and flag what needs an editor; DigestError when there is none."""
    units = split_units(text)
    if not units:
        raise DigestError(error(shown, None, "the page is empty", "extract the page's text into this file first",
                                code="import-empty"))
    anchors = {i: a for i, u in enumerate(units) if (a := parse_anchor(u.text))}
    spans = article_spans(units, anchors)
    if not spans:
        raise DigestError(error(shown, 1, "no article found: no byline (□记者 …), no dateline (本报…讯) and "
                                "no headline followed by text", "is this a page of newspaper text?",
                                code="import-no-article"))
    page = PageImport([build_article(units[head:end], anchor - head, size, anchors.get(anchor))
                       for head, anchor, size, end in spans])
    if spans[0][0] > 0:
        first, last = units[0].line, units[spans[0][0] - 1].line
        lines = f"lines {first}–{last}" if last > first else f"line {first}"
        page.flags.append(Flag(first, "outside-article", f"{lines}: text before the first article, left out",
                               "copy it into an article if it belongs to one"))
    flag_kickers(page)
    flag_moved_passages(page, "\n".join(u.text for u in units))
    flag_traditional(page, units)
    for article in page.articles:
        article.flags.sort(key=lambda f: (f.line, f.code))
    return page


def split_units(text: str) -> list[Unit]:
    """The page's non-empty lines, trimmed of spaces (full-width ones too), numbered from 1."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [Unit(n, line.strip(SPACES)) for n, line in enumerate(text.split("\n"), start=1) if line.strip(SPACES)]


def article_spans(units: list[Unit], anchors: dict[int, Anchor]) -> list[tuple[int, int, int, int]]:
    """(first unit, anchor unit, units in the anchor, end) of each article: the headline block above each
    anchor, up to the next article. A byline line followed by a dateline line is merged into one anchor
    (in anchors, in place)."""
    starts: list[list[int]] = []  # [head, anchor, size]
    boundary = -1  # the last unit of the previous anchor: a headline block never reaches above it
    for i in sorted(anchors):
        if starts and i == boundary + 1 and continues_anchor(anchors[starts[-1][1]], anchors[i]):
            first = anchors[starts[-1][1]]
            anchors[starts[-1][1]] = Anchor(first.byline, anchors[i].dateline, anchors[i].rest)
            del anchors[i]
            starts[-1][2] += 1
            boundary = i
            continue
        head = i
        while head - 1 > boundary and i - head < HEADER_LINES and is_header_like(units[head - 1].text):
            head -= 1
        kicker = next((k for k in range(head, i) if units[k].text.endswith("—")), head)
        starts.append([kicker, i, 1])  # a kicker (——) opens the headline block: lines above it are not in it
        boundary = i
    if not starts:
        head = 0
        while head < len(units) and head < HEADER_LINES and is_header_like(units[head].text):
            head += 1
        if 0 < head < len(units):  # no byline anywhere: one article, if it begins with a headline
            starts.append([0, head, 0])
    ends = [s[0] for s in starts[1:]] + [len(units)]
    return [(head, anchor, size, end) for (head, anchor, size), end in zip(starts, ends)]


def continues_anchor(first: Anchor, second: Anchor | None) -> bool:
    """A byline alone on its line, then a dateline line: one article's anchor printed on two lines."""
    return bool(second and first.byline and not first.dateline and not first.rest
                and second.dateline and not second.byline)


# ---------------------------------------------------------------- one line

def ends_sentence(text: str) -> bool:
    """The text ends with final punctuation (closing quotes and brackets aside)."""
    core = text.rstrip(CLOSERS + SPACES)
    return bool(core) and core[-1] in FINAL


def is_header_like(text: str) -> bool:
    """Short enough for a headline, not ending or containing the punctuation of body text."""
    if len(text) > HEADER_MAX or "。" in text or parse_anchor(text):
        return False
    return text.rstrip(CLOSERS)[-1:] not in NOT_HEADER_END


def is_subhead_like(text: str) -> bool:
    """A short line without any clause punctuation and without final punctuation."""
    return len(text) <= SUBHEAD_MAX and not any(c in CLAUSE for c in text) and not ends_sentence(text)


def parse_anchor(text: str) -> Anchor | None:
    """The byline and dateline a line starts with (and the text after them), or None."""
    stripped = text.lstrip(BOXES + SPACES)
    byline, rest = "", stripped
    if ROLE_RE.match(stripped):
        byline, rest = split_byline(stripped, boxed=stripped != text.lstrip(SPACES))
    dateline, rest = split_dateline(rest)
    if dateline and not byline:
        inner = INNER_BYLINE_RE.match(rest)  # 新华社北京12月18日电（记者 …）
        if inner:
            byline, rest = inner.group(1).strip(), rest[inner.end():]
    if not byline and not dateline:
        return None
    return Anchor(byline, dateline, rest.strip(SPACES))


def split_byline(text: str, boxed: bool = False) -> tuple[str, str]:
    """('记者 白晓 通讯员 李颖慧', rest) from '记者 白晓 通讯员 李颖慧 报道 rest'; ('', text) when no name follows.

    A name written against its role (记者薄克国) counts only with more evidence (a □, 报道, a dateline
    or a second role), so that a column's label such as 记者手记 is not taken for a byline.
    """
    kept: list[str] = []
    names = glued = roles = 0
    position, ended = 0, False
    for match in re.finditer(r"\S+", text):
        token = match.group(0)
        if token in BYLINE_END:
            position, ended = match.end(), True
            break
        role = ROLE_RE.match(token)
        if not role and DATELINE_RE.match(token):
            ended = True
            break
        name = token[role.end():] if role else token
        suffix = next((e for e in BYLINE_END if name.endswith(e) and len(name) > len(e)
                       and (len(e) > 1 or not NAME_RE.match(name))), "")
        name = name[: len(name) - len(suffix)]
        if (name and not NAME_RE.match(name)) or (name and not role and not kept):
            break
        kept.append(token[: len(token) - len(suffix)])
        roles += bool(role)
        names += bool(name) and not role
        glued += bool(name) and bool(role)
        position = match.end()
        if suffix:
            ended = True
            break
    if not (names or (glued and (boxed or ended or roles > 1))):
        return "", text
    return " ".join(kept), text[position:].lstrip(SPACES)


def split_dateline(text: str) -> tuple[str, str]:
    """('本报北京电', '12月18日,…') from '本报北京电 12月18日,…'."""
    match = DATELINE_RE.match(text)
    if not match:
        return "", text
    return match.group(0), text[match.end():].lstrip(SPACES + ":：")


# ---------------------------------------------------------------- one article

def build_article(units: list[Unit], anchor_at: int, size: int, anchor: Anchor | None) -> Article:
    """An article from its units: headline block, anchor (size lines), body (paragraphs rejoined, subheads)."""
    article = Article(units[0].line, units[-1].line)
    assign_headline(article, units[:anchor_at])
    body = units[anchor_at + size:]
    if anchor is not None:
        article.byline, article.dateline = anchor.byline, anchor.dateline
        if anchor.rest:
            body.insert(0, Unit(units[anchor_at + size - 1].line, anchor.rest))
    article.paragraphs, article.joins = assemble_body(body)
    take_end_byline(article)
    if not article.title:
        name_headless(article, units[anchor_at].line)
    return article


def assign_headline(article: Article, header: list[Unit]) -> None:
    """Kicker (ends in ——), subtitle (starts with ——), title; two plain lines are kicker and title."""
    kickers = []
    while header and header[0].text.endswith(("—", "：", ":")) and len(header) > 1:
        kickers.append(header.pop(0))
    subtitles = []
    while header and header[-1].text.startswith("—") and len(header) > 1:
        subtitles.insert(0, header.pop())
    if len(header) >= 2:
        kickers.append(header.pop(0))
    if len(header) >= 2:
        subtitles.insert(0, header.pop())
    if kickers:
        article.kicker, article.kicker_line = " ".join(u.text for u in kickers), kickers[0].line
    if subtitles:
        article.subtitle = " ".join(u.text for u in subtitles)
    if header:
        article.title, article.title_line = header[0].text, header[0].line


def assemble_body(units: list[Unit]) -> tuple[list[Paragraph], list[tuple[int, int]]]:
    """Paragraphs from body lines: a line that does not end its sentence is joined with the next one."""
    paragraphs: list[Paragraph] = []
    joins: list[tuple[int, int]] = []
    for index, unit in enumerate(units):
        last = paragraphs[-1] if paragraphs else None
        if last and not last.subhead and not ends_sentence(last.text):
            joins.append((last.lines[-1], unit.line))
            last.text += unit.text
            last.lines.append(unit.line)
            continue
        after_sentence = last is None or last.subhead or ends_sentence(last.text)
        subhead = last is not None and after_sentence and index + 1 < len(units) and is_subhead_like(unit.text)
        paragraphs.append(Paragraph(unit.text, [unit.line], subhead))
    return paragraphs, joins


def take_end_byline(article: Article) -> None:
    """A byline printed in brackets at the end of the text, （记者 …）, when the article has none."""
    if article.byline or not article.paragraphs:
        return
    last = article.paragraphs[-1]
    match = END_BYLINE_RE.search(last.text)
    if match:
        article.byline = match.group(1).strip()
        last.text = last.text[: match.start()].rstrip(SPACES)
        if not last.text:
            article.paragraphs.pop()


def name_headless(article: Article, line: int) -> None:
    """A brief printed without a headline: a placeholder title from its first clause, flagged."""
    first = next((p.text for p in article.paragraphs if not p.subhead), "")
    clauses = [c for c in re.split(r"[，,。；;：:！？!?]", first) if c.strip() and not DATE_CLAUSE_RE.match(c)]
    clause = clauses[0].strip() if clauses else first
    article.title = PLACEHOLDER + (clause[:20] + "…" if len(clause) > 20 else clause)
    article.title_note = EDITOR_HEADLINE
    article.flags.append(Flag(line, "no-headline", "this brief has no headline on the page; its title is a "
                              "placeholder", "write a headline in `title:` (title_note says the editors wrote it)"))


# ---------------------------------------------------------------- across articles

def cjk_bigrams(text: str) -> set[str]:
    """Pairs of neighbouring letters (CJK characters, ASCII letters and digits), punctuation left out."""
    letters = "".join(c for c in text if c.isalnum())
    return {letters[i:i + 2] for i in range(len(letters) - 1)}


def flag_kickers(page: PageImport) -> None:
    """A kicker whose words belong to another article (which has none) was probably printed above the wrong one."""
    articles = page.articles
    if len(articles) < 2:
        return
    common = page_common_bigrams(articles)
    for index, article in enumerate(articles):
        if not article.kicker:
            continue
        words = cjk_bigrams(article.kicker) - common
        if not words:
            continue
        scores = {i: len(words & cjk_bigrams(a.body_text)) / len(words) for i, a in enumerate(articles)}
        best = max((i for i in scores if i != index and not articles[i].kicker), key=scores.get, default=None)
        if best is None or scores[best] < 0.5 or scores[best] - scores[index] < 0.3:
            continue
        other = articles[best]
        article.flags.append(Flag(article.kicker_line, "kicker-elsewhere",
                                  f"the kicker 「{article.kicker}」 is printed above this headline but may belong to "
                                  f"「{shorten(other.title)}」 (line {other.title_line or other.start}): its words "
                                  f"recur there ({scores[best]:.0%}), not here ({scores[index]:.0%})",
                                  "if so, move `kicker:` to that article"))
        other.flags.append(Flag(article.kicker_line, "kicker-elsewhere",
                                f"the kicker 「{article.kicker}」, printed above 「{shorten(article.title)}」, may belong "
                                "to this article", "if so, move `kicker:` here from that article"))
        page.fixes.append(KickerMove(index, best))


def page_common_bigrams(articles: list[Article]) -> set[str]:
    """Pairs found in more than half of the articles (a city's name): no evidence of belonging."""
    counts: dict[str, int] = {}
    for article in articles:
        for gram in cjk_bigrams(article.body_text):
            counts[gram] = counts.get(gram, 0) + 1
    return {g for g, n in counts.items() if n > len(articles) / 2}


def flag_moved_passages(page: PageImport, page_text: str) -> None:
    """A last paragraph that stops mid-sentence, and the passage elsewhere that seems to continue it."""
    used: set[tuple[int, int]] = set()
    for target, article in enumerate(page.articles):
        if not article.paragraphs or article.paragraphs[-1].subhead or ends_sentence(article.paragraphs[-1].text):
            continue
        tail = article.paragraphs[-1]
        found = best_continuation(page, target, tail.text, page_text, used)
        if found is None:
            article.flags.append(Flag(tail.lines[-1], "unfinished-paragraph",
                                      f"this paragraph stops mid-sentence (…{tail.text[-12:]}) and nothing on "
                                      "the page seems to continue it", "find the rest (another page?) and add it"))
            continue
        source, first = found
        used.add(found)
        paragraphs = page.articles[source].paragraphs
        stop = first + 1
        while stop < len(paragraphs) and not paragraphs[stop].subhead and (source, stop) != (target, len(paragraphs) - 1):
            stop += 1
        lines = f"lines {paragraphs[first].line}–{paragraphs[stop - 1].lines[-1]}" if stop - first > 1 \
            else f"line {paragraphs[first].line}"
        head = paragraphs[first].text[:12]
        where = "this article's" if source == target else f"「{shorten(article.title)}」's"
        page.articles[source].flags.append(Flag(
            paragraphs[first].line, "moved-passage",
            f"this passage ({lines}, 「{head}…」) starts mid-sentence: it seems to continue {where} paragraph "
            f"at line {tail.lines[-1]} (…{tail.text[-12:]}), which stops mid-sentence; the layout moved it",
            f"move {lines} after line {tail.lines[-1]} and join the two paragraphs"))
        if source != target:
            article.flags.append(Flag(tail.lines[-1], "moved-passage",
                                      f"this paragraph stops mid-sentence (…{tail.text[-12:]}); it seems to "
                                      f"continue at line {paragraphs[first].line} in 「{shorten(page.articles[source].title)}」",
                                      f"move {lines} here and join the two paragraphs"))
        page.fixes.append(PassageMove(source, first, stop, target))
    for article in page.articles:
        for paragraph in article.paragraphs[1:]:
            if cannot_start(paragraph.text) and not any(f.line == paragraph.line for f in article.flags):
                article.flags.append(Flag(paragraph.line, "starts-mid-sentence",
                                          f"this paragraph starts mid-sentence (「{paragraph.text[:12]}…」)",
                                          "find the paragraph it continues and join them"))


def best_continuation(page: PageImport, target: int, tail: str, page_text: str,
                      used: set) -> tuple[int, int] | None:
    """(article, paragraph) that most likely continues tail, or None when nothing is likely enough."""
    best, best_score = None, 0.0
    for index, article in enumerate(page.articles):
        for number, paragraph in enumerate(article.paragraphs):
            if number == 0 or paragraph.subhead or (index, number) in used:
                continue
            if index == target and number == len(article.paragraphs) - 1:
                continue
            score = continuation_score(tail, paragraph.text, page_text)
            if score and index == target:
                score += 0.5  # the layout moves text within an article more often than across
            if score > best_score:
                best, best_score = (index, number), score
    return best if best_score >= 3 else None


def continuation_score(tail: str, head: str, page_text: str) -> float:
    """Evidence that head continues tail: a word across the break that the page prints elsewhere, a head
    that cannot start a sentence."""
    score = 0.0
    for left in range(1, min(4, len(tail)) + 1):
        for right in range(1, min(4, len(head)) + 1):
            if left + right >= 4 and tail[-left:] + head[:right] in page_text:
                score = max(score, float(left + right))
    if cannot_start(head):
        score += 3
    return score


def flag_traditional(page: PageImport, units: list[Unit]) -> None:
    """Characters in traditional form in a simplified text, with their line and simplified form."""
    for article in page.articles:
        for unit in units:
            if article.start <= unit.line <= article.end:
                for found in traditional_chars(unit.text):
                    context = unit.text[max(0, found.offset - 6): found.offset + 2]
                    article.flags.append(Flag(unit.line, "traditional-char",
                                              f"{found.char} is a traditional character in a simplified text "
                                              f"(…{context}…)", f"write {found.simplified}, or keep it and list it "
                                              f"in `traditional_ok: [{found.char}]`"))


def cannot_start(text: str) -> bool:
    """The text begins with a character no sentence begins with."""
    return text[:1] in NON_INITIAL and not text.startswith(INITIAL_WORDS)


def shorten(text: str, size: int = 16) -> str:
    """The text cut to size characters, with … when cut."""
    return text if len(text) <= size else text[:size] + "…"


# ---------------------------------------------------------------- the editor's fixes

def apply_fixes(page: PageImport) -> PageImport:
    """The page as the editor would make it by following every suggested fix (moves, not deletions)."""
    articles = [replace(a, paragraphs=[replace(p, lines=list(p.lines)) for p in a.paragraphs])
                for a in page.articles]
    for fix in page.fixes:
        if isinstance(fix, KickerMove):
            source, target = articles[fix.source], articles[fix.target]
            target.kicker, target.kicker_line = source.kicker, source.kicker_line
            source.kicker, source.kicker_line = "", None
    for fix in sorted((f for f in page.fixes if isinstance(f, PassageMove)), key=lambda f: (-f.source, -f.first)):
        moved = articles[fix.source].paragraphs[fix.first:fix.stop]
        del articles[fix.source].paragraphs[fix.first:fix.stop]
        tail = articles[fix.target].paragraphs[-1]
        tail.text += moved[0].text
        tail.lines += moved[0].lines
        articles[fix.target].paragraphs.extend(moved[1:])
    return PageImport(articles, list(page.flags), [])
