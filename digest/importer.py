"""import, the reading half: a page of newspaper text becomes article records, every doubtful decision flagged.

Pure functions (text in, records out); digest/drafts.py writes the records as draft articles.

The text is what an e-paper site or a PDF extraction gives. Layouts differ from paper to paper, so
every rule here reads the page's shape, never its words: what a line looks like (its length, its
final punctuation, its indentation, the runs of spaces inside it) and what follows it.

1. Each line is read on its own (`read_line`): site residue (navigation, page headers, word counts,
   CMS lines, footers) is left out; a byline, a dateline or a source credit is recognised by its
   shape; a run of spaces splits a line into a heading and its first paragraph (`heading   text`)
   or a paragraph and a right-aligned byline or credit; what is left is a short heading-like line
   or body text.
2. The lines are cut into articles (`segment`): an article starts at a heading joined to its first
   paragraph, at a byline or dateline (with the short lines above it as its heading), or at short
   lines followed by text when the previous article has ended (a byline or credit after its body,
   residue, the top of the page). Short lines inside an article are its crossheads.
3. Each article's body is assembled: a line that stops mid-sentence is joined with the next one
   unless the next is indented (the page's paragraph mark); a short line between paragraphs is a
   `##` crosshead.

What the page cannot tell for certain (a brief without a headline, a kicker above the wrong
headline, a passage the layout moved away from its paragraph, a line that may be a crosshead or a
headline, a traditional character) is flagged with its input line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .errors import DigestError, error
from .hanzi import traditional_chars

BOXES = "□■◇◆○●"
BULLETS = "•●▪◦‣"
SPACES = " \t\u3000\u00a0\ufeff"
CLOSERS = "”’」』）)》〉】\"'"
FINAL = set("。！？!?…；;：:")  # a line ending in one of these ends its sentence (closing quotes aside)
CLAUSE = set("。，,；;：:！？!?")  # a subhead has none of these inside
COMMAS = set("，,；;")
NOT_HEADER_END = set("。，,；;、…")
NON_INITIAL = set("的们吗呢吧么、，,。；;：:！？!?）)》」』")  # never start a sentence (but 的确, below)
INITIAL_WORDS = ("的确", "的士")
HEAD_MAX = 40  # characters: a headline, kicker or subtitle line is shorter
GAP_HEAD_MAX = 80  # a heading joined to its first paragraph by a run of spaces may hold headline and subtitle
HEADER_LINES = 3  # kicker, title, subtitle
SUBHEAD_MAX = 25
BROKEN_HEAD_MAX = 12  # a headline broken over two lines by a narrow column: both parts this short
NAMES_MAX = 16
INDENT = 2  # spaces (a full-width space counts two) that mark a paragraph
ALIGNED = 6  # more than this: the line is pushed to the right (a byline or a credit)
LEAD_MIN = 30  # Chinese characters: less text than this above the first heading is not an article
PLACEHOLDER = "【待拟标题】"
EDITOR_HEADLINE = "editor's headline"
STANDING_LABELS = ("图片新闻", "新闻图片", "图片报道", "图说", "图闻", "一图读懂", "新闻速递", "简讯", "快讯", "短讯")

CJK = "\u3400-\u9fff"
CJK_RE = re.compile(f"[{CJK}]")
GAP_RE = re.compile(r"[ \t\u3000\u00a0]{2,}")
ORG = f"(?:[{CJK}]{{2,10}}?(?:报社|日报|晚报|早报|晨报|报|电视台|广播电视台|台|网|社|融媒体中心|新闻中心|传媒集团))"
ROLE = (f"(?:(?:文字?|图片?|摄影?)(?:[/／·、](?:文字?|图片?|摄影?))?[/／:：]|(?:作者|撰稿|编译)[:：]|"  # 文/图 张三
        f"(?:{ORG}|本报|本刊|本台|本网)?(?:全媒体|融媒体|首席|特约|实习|见习|驻[{CJK}]{{1,4}})*"
        r"(?:摄影|摄像)?(?:记者|通讯员|实习生|摄影师))")
ROLE_RE = re.compile(ROLE)
BYLINE_END = ("报道", "报导", "摄影报道", "摄")
PLACE_REPORT_RE = re.compile(f"^[{CJK}]{{1,4}}(?:报道|报导)$")  # 青岛报道: where the byline was filed from
NAME_RE = re.compile(f"^[{CJK}·]{{1,6}}(?:[/／][文图摄])?$")
PHOTO_BYLINE_RE = re.compile(f"^([{CJK}·]{{2,4}}(?:[ 、][{CJK}·]{{1,4}}){{0,3}})\\s*(?:摄|摄影)$")  # 张三 摄
AGENCY = ("(?:本报|本刊|本台|本网|新华社|中新社|中新网|新华网|人民网|央视网|央广网|中国新闻网|光明网|"
          "人民日报|经济日报|光明日报|法治日报|工人日报|中国青年报|央视新闻|央视|总台)")
DATE_PART = r"(?:\d{1,2}月)?(?:\d{1,2}日)?"
DATELINE_RE = re.compile(
    f"^据?(?:{AGENCY}[{CJK}]{{0,8}}?{DATE_PART}(?:讯(?!员)|电(?=[\\s\\d(（:：]|$))"
    f"|{AGENCY}[{CJK}]{{0,8}}?\\d{{1,2}}日电"  # a date before 电: nothing else can be meant
    f"|[{CJK}]{{2,8}}?(?:社|网|台|报)[{CJK}]{{1,8}}?\\d{{1,2}}月\\d{{1,2}}日电(?!话|视|脑|子|影|梯|力))")
INNER_BYLINE_RE = re.compile(r"^[(（]\s*([^()（）]{1,40}?)\s*[)）]\s*")
END_BYLINE_RE = re.compile(r"[(（]\s*([^()（）]{2,40}?)\s*[)）]$")
CREDIT_RE = re.compile(f"^[(（]?(?:据|(?:稿件|信息)?来源[:：]\\s*|(?:本报)?综合(?:自)?)[{CJK}A-Za-z《》“”、·\\s]{{2,30}}?"
                       r"(?:消息|报道|电|讯)?[)）]?$")
PHOTO_CREDIT_RE = re.compile(f"^[(（]?[{CJK}]{{2,10}}(?:供图|提供|发)[)）]?$")
APPENDED_CREDIT_RE = re.compile(f"(?<=[。！？!?”」』）)])(?:[ \u3000]+|(?=[(（]))([(（]?据[{CJK}《》]{{2,12}}[)）]?)$")
DATE_CLAUSE_RE = re.compile(r"^[\d\s年月日至到—-]+$")

DATE = r"(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})"
PAGE_RE = re.compile(r"^(?:\d{1,2}\.\s*)?(?:第\s*)?[A-Za-z]{0,3}\d{1,3}\s*版\s*"
                     r"(?:[:：]\s*(?:\S.{0,18})?|[(（][^()（）]{0,12}[)）])?$")
HEADER_PARTS_RE = re.compile(
    f"{DATE}|(?:第\\s*)?[A-Za-z]{{0,3}}\\d{{1,3}}\\s*版(?:\\s*[:：]?\\s*[{CJK}·/]{{1,10}})?|(?:星期|周|礼拜)[一二三四五六日天]|《[^》]{{1,12}}》"
    f"|[{CJK}]{{2,10}}(?:报|刊)|^\\d{{1,2}}\\.\\s|(?:发布|出版)?日期[:：]|农历[{CJK}]{{2,8}}")
NAV_RE = re.compile(r"上一版|下一版|上一期|下一期|上一篇|下一篇|前一版|后一版|版面导航|标题导航|版面目录|按日期查找|往期回顾"
                    r"|通版阅读|展开通版|收缩通版|当前版[:：]|^返回(?:\S{0,8}(?:网|首页|目录|版|列表|顶部))$|^内容详情$|放大\s*缩小|PDF下载|下载PDF"
                    r"|打印本页|关闭窗口|^分享到|^https?://|www\.[a-z0-9-]+\.|当前位置|您的位置|^首页\s*[>»›/]"
                    r"|字[体号][:：]?\s*[【\[]?\s*大|【(?:打印|关闭|收藏|返回)", re.I)
FOOTER_RE = re.compile(r"copyright|©|版权所有|版权声明|ICP[备证]|公网安备|不良信息举报|关于我们|联系我们|扫码关注|扫一扫"
                       r"|客户端下载|未经授权|主办单位|技术支持|投稿邮箱", re.I)
FIELD_RE = re.compile(r"^(?:本版)?(?:责任编辑|责编|编辑|美术编辑|校对|美编|组版|值班编辑|审核|审校|终审|版式设计|版式|排版"
                      r"|专栏|栏目)[:：]|发布时间[:：]|(?:浏览|点击|阅读)(?:次数|数|量)[:：]")
WORD_COUNT_RE = re.compile(r"^(?:本文|文章|全文)?字数[:：]\s*\d+$")
CMS_RE = re.compile(r"-->|<!--|\.s?html?\b|/enp|content_\d+")
JUMP = r"[(（]?\s*(?:(?P<from>上接|接)|下转|转|[详参]?见)\s*第?\s*[A-Za-z]{0,3}\d{1,3}\s*版\s*[)）]?"  # (上接第1版) 详见A03版
JUMP_RE = re.compile(f"^{JUMP}$")
LEADING_JUMP_RE = re.compile(f"^{JUMP}\\s*")
TRAILING_JUMP_RE = re.compile(f"(?:[ \u3000]+|(?<=[。！？!?”」』])){JUMP}$")
END_MARK_RE = re.compile(r"^[(（](?:完|全文完)[)）]$")


@dataclass(frozen=True)
class Unit:
    """One non-empty line of the page: its number in the input, its text trimmed, its indentation."""

    line: int
    text: str
    indent: int = 0


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
    bullet: bool = False

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


@dataclass(frozen=True)
class Dropped:
    """Lines left out of every article (navigation, page header, footer …): where, what kind, how they start."""

    first: int
    last: int
    kinds: tuple[str, ...]
    text: str
    count: int = 1  # residue lines in the run


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
    credit: str = ""
    title_note: str = ""
    paragraphs: list[Paragraph] = field(default_factory=list)
    joins: list[tuple[int, int]] = field(default_factory=list)  # (line, line) rejoined
    flags: list[Flag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what import decided, for the editor to check

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
    """The articles of a page, in page order; flags about text outside them; the suggested fixes; what was left out."""

    articles: list[Article]
    flags: list[Flag] = field(default_factory=list)
    fixes: list = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)


@dataclass
class Line:
    """One line as read on its own: residue, a heading, a heading and text, an anchor, a byline, a credit or text."""

    unit: Unit
    kind: str  # residue | head | gaphead | anchor | byline | credit | text
    residue: str = ""  # what kind of residue
    head: str = ""  # gaphead: the heading before the run of spaces
    text: str = ""  # the body text on this line
    anchor: Anchor | None = None
    tail: tuple[str, str] | None = None  # ("byline" | "credit", text) printed after the text
    aligned: bool = False
    parenthesized: bool = False  # a byline line in brackets: it closes its article
    jump: tuple[str, str] | None = None  # ("from" | "to", mark): the article continues from or on another page

    @property
    def line(self) -> int:
        """The input line number."""
        return self.unit.line


@dataclass
class Item:
    """An article while the page is being cut: its heading lines, anchor, body lines and what ends it."""

    heading: list[Line] = field(default_factory=list)
    gap: bool = False  # the last heading line was joined to the first paragraph by a run of spaces
    byline: str = ""
    dateline: str = ""
    anchor_lines: list[int] = field(default_factory=list)
    body: list[Unit] = field(default_factory=list)
    end_bylines: list[tuple[int, str]] = field(default_factory=list)
    credits: list[tuple[int, str]] = field(default_factory=list)
    crossheads: list[int] = field(default_factory=list)  # lines kept as crossheads where a headline was possible
    lines: list[int] = field(default_factory=list)
    closed: bool = False  # a byline, a credit or residue after the body: the next short lines are a headline
    notes: list[str] = field(default_factory=list)
    anchor_open: bool = False  # the last line taken was its byline: a byline or dateline line may continue it

    @property
    def anchored(self) -> bool:
        """It starts with a byline or a dateline."""
        return bool(self.anchor_lines)


# ---------------------------------------------------------------- the page

def parse_page(text: str, shown: str) -> PageImport:
    """Split a page's text into articles and flag what needs an editor; DigestError when there is no Chinese prose."""
    units = split_units(text)
    if not units:
        raise DigestError(error(shown, None, "the page is empty", "extract the page's text into this file first",
                                code="import-empty"))
    lines = read_lines(units)
    if not any(CJK_RE.search(ln.text) for ln in lines if ln.kind in ("text", "gaphead", "anchor")):
        raise DigestError(error(shown, 1, "no article found: the page has no Chinese prose, only headings, "
                                "navigation or other text", "is this a page of newspaper text?",
                                code="import-no-article"))
    gap_layout = any(ln.kind == "gaphead" for ln in lines)
    items, orphans = segment(lines, gap_layout)
    page = PageImport([build_article(item) for item in items])
    page.dropped = dropped_runs(lines, page.articles[0].start if page.articles else 0)
    note_residue(page, lines)
    flag_orphans(page, orphans)
    if len(page.articles) == 1 and not items[0].heading and not items[0].anchored:
        article = page.articles[0]
        article.flags.append(Flag(article.start, "not-split", "import found no headline, byline or dateline to "
                                  "split the page by: this draft holds all of its text",
                                  "split it by hand if it holds several articles"))
    flag_kickers(page)
    flag_moved_passages(page, "\n".join(u.text for u in units))
    flag_traditional(page, [ln.unit for ln in lines if ln.kind != "residue"])
    for article in page.articles:
        article.flags.sort(key=lambda f: (f.line, f.code))
    return page


def split_units(text: str) -> list[Unit]:
    """The page's non-empty lines, trimmed of spaces (full-width ones too), numbered from 1, with their indentation."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    units = []
    for n, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip(SPACES)
        if stripped:
            lead = line[: len(line) - len(line.lstrip(SPACES))]
            units.append(Unit(n, stripped, sum(2 if c == "\u3000" else 1 for c in lead)))
    return units


def read_lines(units: list[Unit]) -> list[Line]:
    """Every line read on its own; a footer line makes the short lines after it footer too."""
    base = min((u.indent for u in units), default=0)
    lines: list[Line] = []
    footer = False
    for unit in units:
        line = read_line(unit, base)
        if footer and line.kind != "residue" and not (is_prose(unit.text) and len(CJK_RE.findall(unit.text)) >= 20):
            line = Line(unit, "residue", residue="footer")
        footer = footer or line.residue == "footer"
        lines.append(line)
    return lines


def segment(lines: list[Line], gap_layout: bool) -> tuple[list[Item], list[list[Line]]]:
    """Cut the page's lines into articles; also the runs of short lines that have no text under them."""
    items: list[Item] = []
    orphans: list[list[Line]] = []
    run: list[Line] = []  # short heading-like lines waiting for what follows them
    frozen = False  # residue came after the run: another short line starts a new run

    def current() -> Item | None:
        return items[-1] if items else None

    def start(heading: list[Line], gap: bool = False) -> Item:
        item = Item(gap=gap)
        item.heading = heading
        item.lines = [ln.line for ln in heading]
        items.append(item)
        return item

    def settle_run(into_body: bool) -> None:
        """The waiting short lines are crossheads of the current article, or have no text under them."""
        nonlocal run, frozen
        if run:
            cur = current()
            if into_body and cur is not None:
                for ln in run:
                    add_body(cur, Unit(ln.line, ln.text, ln.unit.indent))
                    note_jump(cur, ln)
            else:
                orphans.append(run)
        run, frozen = [], False

    def take_heading(limit: int) -> list[Line]:
        """The last lines of the run (at most limit) as a heading; the lines above them settle on their own."""
        nonlocal run, frozen
        cut = max(0, len(run) - limit)
        for k in range(len(run) - 1, cut - 1, -1):  # a kicker ending in —— opens the heading
            if k < len(run) - 1 and run[k].text.endswith("—"):
                cut = k
                break
        heading, run = run[cut:], run[:cut]
        cur = current()
        settle_run(cur is not None and not cur.closed and bool(cur.body) and not frozen)
        return heading

    for index, ln in enumerate(lines):
        cur = current()
        following = lines[index + 1] if index + 1 < len(lines) else None
        if ln.kind == "residue":
            if cur is not None and not run:
                cur.closed = cur.closed or bool(cur.body)
            if run:
                frozen = True
            continue
        if ln.kind == "head":
            if frozen:
                settle_run(False)
            run.append(ln)
            continue
        if ln.kind == "gaphead":
            above = len(run) == 1 and not frozen and squash(run[0].text) != squash(ln.head)
            upper = take_heading(1) if above else []  # a headline broken over two lines; more is a list
            settle_run(cur is not None and not cur.closed and bool(cur.body) and not frozen)
            item = start(upper + [ln], gap=True)
            if ln.anchor:
                set_anchor(item, ln)
            if ln.text:
                add_body(item, Unit(ln.line, ln.text, ln.unit.indent))
            add_tail(item, ln)
            continue
        if ln.kind == "anchor" or (ln.kind == "byline" and (run or cur is None)):
            if run:
                item = start(take_heading(heading_limit(run)))
            elif cur is not None and cur.anchor_open and not cur.body:
                item = cur  # a byline line, then this line: one anchor printed on two lines
            else:
                item = start([])
            set_anchor(item, ln)
            if ln.text:
                add_body(item, Unit(ln.line, ln.text, ln.unit.indent))
            add_tail(item, ln)
            continue
        if ln.kind == "byline":
            if cur.anchor_open and not cur.body:
                set_anchor(cur, ln)
            elif ln.aligned or ln.parenthesized or following is None or following.kind not in ("text", "anchor"):
                cur.end_bylines.append((ln.line, ln.anchor.byline))
                cur.lines.append(ln.line)
                cur.closed = True
            else:  # a byline, then text or a dateline: a brief printed without a headline
                item = start([])
                set_anchor(item, ln)
            continue
        if ln.kind == "credit":
            settle_run(True)
            if cur is None:
                orphans.append([ln])
                continue
            cur.credits.append((ln.line, ln.text))
            cur.lines.append(ln.line)
            cur.closed = True
            continue
        # text
        from_elsewhere = bool(ln.jump and ln.jump[0] == "from")
        if run:
            if from_elsewhere or starts_article(run, cur, frozen):
                item = start(take_heading(heading_limit(run)))
            else:
                if not cur.anchored and not gap_layout:
                    cur.crossheads += [r.line for r in run]
                settle_run(True)
                item = cur
        elif cur is None or from_elsewhere:
            item = start([])
        else:
            item = cur
        add_body(item, Unit(ln.line, ln.text, ln.unit.indent))
        add_tail(item, ln)
        note_jump(item, ln)
    cur = current()
    settle_run(cur is not None and not cur.closed and not frozen)
    for item in [i for i in items if not i.body]:  # a heading (and byline) with no text under it
        items.remove(item)
        orphans.append(item.heading + [ln for ln in lines if ln.line in item.anchor_lines and ln not in item.heading])
    orphans.sort(key=lambda run: run[0].line)
    return drop_small_lead(items, orphans), orphans


def heading_limit(run: list[Line]) -> int:
    """Kicker, headline and subtitle, and a line of names under them (a byline without a role)."""
    return HEADER_LINES + names_line(run[-1].text)


def starts_article(run: list[Line], cur: Item | None, frozen: bool) -> bool:
    """Short lines followed by text: a new article's heading, or crossheads of the current one?"""
    if cur is None or frozen or any(ln.jump and ln.jump[0] == "from" for ln in run):
        return True
    if not cur.body:
        return False
    if cur.closed:
        return True
    # a crosshead is short and unpunctuated; a short line ending in ？ or ！ may be a paragraph of its own
    return any(not is_subhead_like(ln.text) and not ends_sentence(ln.text) for ln in run)


def drop_small_lead(items: list[Item], orphans: list[list[Line]]) -> list[Item]:
    """A few words of text above the first heading (a header with a full stop) are not an article of their own."""
    if len(items) > 1 and not items[0].heading and not items[0].anchored:
        letters = sum(len(CJK_RE.findall(u.text)) for u in items[0].body)
        if letters < LEAD_MIN:
            orphans.insert(0, [Line(u, "text", text=u.text) for u in items[0].body])
            return items[1:]
    return items


def add_body(item: Item, unit: Unit) -> None:
    """A body line (text, crosshead or bullet) joins the article."""
    item.body.append(unit)
    item.lines.append(unit.line)
    item.anchor_open = False


def set_anchor(item: Item, ln: Line) -> None:
    """The byline and dateline of a line become the article's; the text after them starts the body."""
    anchor = ln.anchor
    if anchor.byline and not item.byline:
        item.byline = anchor.byline
    elif anchor.byline:
        item.byline += " " + anchor.byline  # the second line of a byline printed over two lines
    if anchor.dateline and not item.dateline:
        item.dateline = anchor.dateline
    item.anchor_lines.append(ln.line)
    if ln.line not in item.lines:
        item.lines.append(ln.line)
    item.anchor_open = bool(anchor.byline) and not anchor.dateline and not anchor.rest


def note_jump(item: Item, ln: Line) -> None:
    """A jump mark is left out and noted; (下转…) ends the article on this page."""
    for line in [ln] + [h for h in item.heading if h.jump and h.line != ln.line]:
        if line.jump and not any(f"line {line.line}: jump mark" in n for n in item.notes):
            where = "continues from" if line.jump[0] == "from" else "continues on"
            item.notes.append(f"line {line.line}: jump mark 「{line.jump[1]}」 left out (the article {where} "
                              "another page)")
    if ln.jump and ln.jump[0] == "to":
        item.closed = True


def add_tail(item: Item, ln: Line) -> None:
    """A byline or credit printed after the text on the same line ends the article."""
    if not ln.tail:
        return
    kind, text = ln.tail
    if kind == "byline":
        item.end_bylines.append((ln.line, text))
    else:
        item.credits.append((ln.line, text))
    item.closed = True


def dropped_runs(lines: list[Line], before: int) -> list[Dropped]:
    """Residue lines grouped into runs that no article text interrupts (text above line `before`, which is
    flagged on its own, does not interrupt them), with their kinds."""
    runs: list[Dropped] = []
    open_run = False
    for ln in lines:
        if ln.kind != "residue":
            open_run = open_run and ln.line < before
            continue
        if open_run:
            last = runs[-1]
            kinds = last.kinds + ((ln.residue,) if ln.residue not in last.kinds else ())
            runs[-1] = Dropped(last.first, ln.line, kinds, last.text, last.count + 1)
        else:
            runs.append(Dropped(ln.line, ln.line, (ln.residue,), ln.unit.text))
        open_run = True
    return runs


def note_residue(page: PageImport, lines: list[Line]) -> None:
    """Each article's comment block names the residue lines left out between its first and last line."""
    for article in page.articles:
        for ln in lines:
            if ln.kind == "residue" and article.start < ln.line < article.end:
                article.notes.append(f"line {ln.line}: {ln.residue} 「{shorten(ln.unit.text, 24)}」, left out")


def flag_orphans(page: PageImport, orphans: list[list[Line]]) -> None:
    """Lines with no text under them (column titles, teasers, lists of headlines), reported with their lines;
    those above the first article as one point."""
    first = page.articles[0].start if page.articles else 0
    lead = [ln for run in orphans for ln in run if ln.line < first]
    if lead:
        page.flags.append(Flag(lead[0].line, "outside-article", f"{span(lead)}text before the first article "
                               f"「{sample(lead)}」, left out", "copy it into an article if it belongs to one"))
    for run in orphans:
        if run[0].line < first:
            continue
        if all(ln.kind == "credit" for ln in run):
            page.flags.append(Flag(run[0].line, "no-text", f"{span(run)}a source credit 「{sample(run)}」 outside "
                                   "any article, left out", "add it to the article it belongs to"))
        else:
            page.flags.append(Flag(run[0].line, "no-text", f"{span(run)}「{sample(run)}」 has no text under it (a "
                                   "teaser, a column title or a list of headlines), left out",
                                   "if it is a teaser, import its article from its own page"))


def span(lines: list[Line]) -> str:
    """'lines 7–27: ' for several lines; '' for one (the report names the line)."""
    return f"lines {lines[0].line}–{lines[-1].line}: " if lines[-1].line > lines[0].line else ""


def sample(lines: list[Line]) -> str:
    """The first lines' texts, shortened: enough to find them on the page."""
    return shorten(" / ".join(ln.unit.text for ln in lines[:3]), 40)


# ---------------------------------------------------------------- one line

def read_line(unit: Unit, base: int) -> Line:
    """What one line is, read on its own (its neighbours decide the rest)."""
    text = unit.text
    indent = unit.indent - base
    kind = residue_kind(text)
    if kind:
        return Line(unit, "residue", residue=kind)
    aligned, indented = indent > ALIGNED, indent >= INDENT
    text, jump = split_jump(text)
    if not text:
        return Line(unit, "residue", residue="continuation mark")
    line = read_text(unit, text, aligned, indented)
    line.jump = jump
    return line


def split_jump(text: str) -> tuple[str, tuple[str, str] | None]:
    """The line without a jump mark at its start or end ((上接第1版), (下转第2版), 详见A03版), and the mark."""
    match = LEADING_JUMP_RE.match(text) or TRAILING_JUMP_RE.search(text)
    if not match:
        return text, None
    mark = match.group(0).strip(SPACES)
    return (text[: match.start()] + text[match.end():]).strip(SPACES), ("from" if match.group("from") else "to", mark)


def read_text(unit: Unit, text: str, aligned: bool, indented: bool) -> Line:
    """What a line's text is, its residue and jump marks aside."""
    segments = GAP_RE.split(text)
    tail = None
    if len(segments) > 1 and (byline_only(segments[-1]) or is_credit(segments[-1])):
        last = segments.pop()
        tail = ("byline", byline_only(last)) if byline_only(last) else ("credit", last)
    body = "  ".join(segments)
    if tail is None and (match := APPENDED_CREDIT_RE.search(body)):
        tail, body = ("credit", match.group(1).strip("(（)）")), body[: match.start()].rstrip(SPACES)
    if tail is None and ends_sentence_before_bracket(body) and (match := END_BYLINE_RE.search(body)):
        name = byline_text(match.group(1), bare=False)
        if name:
            tail, body = ("byline", name), body[: match.start()].rstrip(SPACES)
    if not body:  # the line was only a byline or credit after spaces
        return standalone(unit, tail, aligned=True)
    anchor = parse_anchor(body)
    if anchor and (anchor.dateline or anchor.rest):
        return Line(unit, "anchor", text=anchor.rest, anchor=anchor, tail=tail)
    if anchor:
        return Line(unit, "byline", text="", anchor=anchor, tail=tail, aligned=aligned)
    if tail is None and (photo := PHOTO_BYLINE_RE.match(body)):
        return Line(unit, "byline", anchor=Anchor(photo.group(1)), aligned=aligned)
    if tail is None:
        paren = re.fullmatch(r"[(（]\s*([^()（）]{2,40}?)\s*[)）]", body)
        name = byline_text(paren.group(1), bare=False) if paren else ""
        if name:
            return Line(unit, "byline", anchor=Anchor(name), aligned=aligned, parenthesized=True)
        if is_credit(body) and (aligned or len(body) <= 16):
            return Line(unit, "credit", text=body.strip("(（)）"), aligned=aligned)
    parts = GAP_RE.split(body)
    if len(parts) > 1 and not indented and is_heading_like(parts[0], GAP_HEAD_MAX):
        rest = " ".join(parts[1:])
        anchor = parse_anchor(rest)
        if anchor or ends_sentence(rest) or len(rest) >= 10:
            rest = anchor.rest if anchor else rest
            return Line(unit, "gaphead", head=strip_marks(parts[0]), text=rest, anchor=anchor, tail=tail)
    if tail and tail[0] == "byline" and not indented and is_heading_like(body):
        return Line(unit, "gaphead", head=strip_marks(body), anchor=Anchor(tail[1]))  # heading, then its byline
    if not indented and not tail and not body.startswith(tuple(BULLETS)) and is_heading_like(body):
        return Line(unit, "head", text=body)
    return Line(unit, "text", text=body, tail=tail)


def standalone(unit: Unit, tail: tuple[str, str], aligned: bool) -> Line:
    """A line holding only a byline or a credit."""
    kind, text = tail
    if kind == "byline":
        return Line(unit, "byline", anchor=Anchor(text), aligned=aligned)
    return Line(unit, "credit", text=text.strip("(（)）"), aligned=aligned)


def residue_kind(text: str) -> str:
    """What kind of site residue the line is (navigation, page header …), or '' when it is not residue."""
    short = len(text) <= 40 and "。" not in text
    if PAGE_RE.match(text) or (short and NAV_RE.search(text)):
        return "navigation"
    sentence = "。" in text or sum(c in "，," for c in text) > 1  # a footer word inside body text is body text
    if not sentence and (FOOTER_RE.search(text) or text.count("|") >= 2):
        return "footer"
    if CMS_RE.search(text):
        return "CMS line"
    if WORD_COUNT_RE.match(text):
        return "word count"
    if short and FIELD_RE.match(text):
        return "page label"
    if JUMP_RE.match(text) or END_MARK_RE.match(text):
        return "continuation mark"
    if short and is_page_header(text):
        return "page header"
    if not CJK_RE.search(text) and len(text) <= 40:
        return "symbols"
    return ""


def is_page_header(text: str) -> bool:
    """A date, a paper's name, a page number and a weekday, and nothing else."""
    found = HEADER_PARTS_RE.findall(text)
    if not found or not any(re.search(DATE, f) or re.search(r"\d\s*版", f) for f in found):
        return False
    rest = HEADER_PARTS_RE.sub("", text)
    return not re.sub(r"[\s()（）:：,，·|\-/]", "", rest)


def ends_sentence(text: str) -> bool:
    """The text ends with final punctuation (closing quotes and brackets aside)."""
    core = text.rstrip(CLOSERS + SPACES)
    return bool(core) and core[-1] in FINAL


def ends_sentence_before_bracket(text: str) -> bool:
    """The text ends with a bracketed group after final punctuation: 「…防患于未然。(记者 张三 摄)」."""
    match = END_BYLINE_RE.search(text)
    return bool(match) and (match.start() == 0 or ends_sentence(text[: match.start()]))


def is_prose(text: str) -> bool:
    """Chinese text that reads as a sentence: final or clause punctuation, or too long for a heading."""
    if len(CJK_RE.findall(text)) < 4:
        return False
    return ends_sentence(text) or any(c in text for c in "。，,；;") or len(text) > HEAD_MAX


def is_heading_like(text: str, limit: int = HEAD_MAX) -> bool:
    """Short enough for a heading, Chinese, without the punctuation of body text (one comma at most)."""
    text = strip_marks(text)
    if not text or len(text) > limit or "。" in text or not CJK_RE.search(text) or parse_anchor(text):
        return False
    if sum(c in COMMAS for c in text) > 1:
        return False
    return text.rstrip(CLOSERS)[-1:] not in NOT_HEADER_END


def is_subhead_like(text: str) -> bool:
    """A short line without any clause punctuation and without final punctuation."""
    return len(text) <= SUBHEAD_MAX and not any(c in CLAUSE for c in text) and not ends_sentence(text)


def strip_marks(text: str) -> str:
    """A heading without the typographic box that may open it (□“菜地…”追踪)."""
    return text.lstrip(BOXES + SPACES)


def is_credit(text: str) -> bool:
    """A source credit: 据新华社, 本报综合大众日报、新华社消息, 来源:人民日报, 新华社发."""
    return bool(CREDIT_RE.match(text) or PHOTO_CREDIT_RE.match(text)) and len(text) <= 32


def parse_anchor(text: str) -> Anchor | None:
    """The byline and dateline a line starts with (and the text after them), or None."""
    stripped = text.lstrip(BOXES + SPACES)
    byline, rest = "", stripped
    if ROLE_RE.match(stripped):
        byline, rest = split_byline(stripped, boxed=stripped != text.lstrip(SPACES))
    dateline, rest = split_dateline(rest)
    if dateline and not byline:
        inner = INNER_BYLINE_RE.match(rest)  # 新华社北京12月18日电（记者 …）, 本报讯 (张三)
        name = byline_text(inner.group(1), bare=True) if inner else ""
        if name:
            byline, rest = name, rest[inner.end():]
        elif ROLE_RE.match(rest):  # 本报济南讯 记者 张三 报道 …
            byline, rest = split_byline(rest, boxed=True)
    if not byline and not dateline:
        return None
    return Anchor(byline, dateline, rest.strip(SPACES))


def byline_only(text: str) -> str:
    """The byline when the text is nothing but one (□/■ first, in brackets or not), else ''."""
    stripped = text.strip(BOXES + SPACES)
    paren = re.fullmatch(r"[(（]\s*([^()（）]{2,40}?)\s*[)）]", stripped)
    if paren:
        return byline_text(paren.group(1), bare=False)
    if (photo := PHOTO_BYLINE_RE.match(stripped)):
        return photo.group(1)
    if not ROLE_RE.match(stripped):
        return ""
    byline, rest = split_byline(stripped, boxed=stripped != text.strip(SPACES))
    return byline if byline and not rest else ""


def byline_text(text: str, bare: bool) -> str:
    """The byline in a bracketed group (记者 于哲 / 见习记者 费 翔 摄 / 张三 摄); bare names too (赵叶舟) when bare."""
    text = text.strip(SPACES)
    if (photo := PHOTO_BYLINE_RE.match(text)):
        return photo.group(1)
    if ROLE_RE.match(text):
        byline, rest = split_byline(text, boxed=True)
        return byline if byline and not rest else ""
    if bare and re.fullmatch(f"[{CJK}·]{{2,4}}(?:[ 、，,][{CJK}·]{{2,4}}){{0,3}}", text):
        return text
    return ""


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
        if token in BYLINE_END or (names and PLACE_REPORT_RE.match(token)):
            position, ended = match.end(), True
            break
        role = ROLE_RE.match(token)
        if not role and DATELINE_RE.match(token):
            ended = True
            break
        name = token[role.end():].lstrip(":：") if role else token
        suffix = next((e for e in BYLINE_END if name.endswith(e) and len(name) > len(e)
                       and (len(e) > 1 or not NAME_RE.match(name))), "")
        name = name[: len(name) - len(suffix)]
        if (name and not NAME_RE.match(name)) or (name and not role and not kept):
            break
        kept.append(token[: len(token) - len(suffix)])
        roles += bool(role)
        names += bool(name) and (not role or role.group(0)[-1] in ":：/／")  # 作者:李四, 文/张三
        glued += bool(name) and bool(role)
        position = match.end()
        if suffix:
            ended = True
            break
    if not (names or (glued and (boxed or ended or roles > 1))):
        return "", text
    return re.sub(r"^(?:作者|撰稿)[:：]\s*", "", " ".join(kept)), text[position:].lstrip(SPACES)


def split_dateline(text: str) -> tuple[str, str]:
    """('本报北京电', '12月18日,…') from '本报北京电 12月18日,…'."""
    match = DATELINE_RE.match(text)
    if not match:
        return "", text
    return match.group(0), text[match.end():].lstrip(SPACES + ":：")


def names_line(text: str) -> bool:
    """A line of a few short words, the last one a name: a byline without a role (N海都邦邦 赖志昌)."""
    words = text.split()
    return (1 < len(words) <= 4 and len(text) <= NAMES_MAX and all(re.fullmatch(f"[A-Za-z]?[{CJK}·]{{1,6}}", w)
                                                                   for w in words)
            and re.fullmatch(f"[{CJK}]{{2,3}}", words[-1]) is not None)


# ---------------------------------------------------------------- one article

def build_article(item: Item) -> Article:
    """An article from its item: heading, byline, dateline, credit, body (paragraphs rejoined, crossheads)."""
    article = Article(min(item.lines), max(item.lines), notes=list(item.notes))
    heading = [Unit(ln.line, strip_marks(ln.head if ln.kind == "gaphead" else ln.text)) for ln in item.heading]
    if len(heading) > 1 and names_line(heading[-1].text) and not item.byline:
        name = heading.pop()
        item.byline = name.text
        article.flags.append(Flag(name.line, "byline-guess", f"「{name.text}」, a line of names under the headline, "
                                  "is read as the byline", "if it is part of the headline, move it to `subtitle:`"))
    assign_headline(article, heading, broken=item.gap)
    article.byline, article.dateline = item.byline, item.dateline
    for line, byline in item.end_bylines:
        if not article.byline:
            article.byline = byline
            article.notes.append(f"line {line}: byline 「{byline}」 printed after the text")
        elif byline != article.byline:
            article.flags.append(Flag(line, "second-byline", f"a second byline 「{byline}」 (a photographer?) is "
                                      "left out of the body", "add it to `byline:` if it belongs there"))
    for line, credit in item.credits:
        article.credit = article.credit or credit
        article.notes.append(f"line {line}: source credit 「{credit}」 (not a byline), left out of the body; "
                             "say it in the text if the site should show it")
    body = [u for u in item.body if squash(u.text) not in (squash(article.title), "")]
    for unit in item.body:
        if unit not in body:
            article.notes.append(f"line {unit.line}: the headline printed again, left out")
    indented_page = sum(u.indent > 0 for u in body) > len(body) / 2
    article.paragraphs, article.joins = assemble_body(body, indented_page)
    for line in item.crossheads:
        paragraph = next((p for p in article.paragraphs if p.line == line and p.subhead), None)
        if paragraph is not None:
            article.flags.append(Flag(line, "crosshead-or-headline", f"「{paragraph.text}」 is read as a crosshead "
                                      "(小标题) of this article", "if it is the headline of another article, "
                                      "split the draft here"))
    if not article.title:
        name_headless(article, (item.anchor_lines or [article.start])[0])
    elif article.title in STANDING_LABELS:
        article.flags.append(Flag(article.title_line, "standing-label", f"「{article.title}」 is a standing label "
                                  "of the page, not a headline", "write a headline in `title:`"))
    return article


def squash(text: str) -> str:
    """The text without any whitespace, for comparing lines."""
    return re.sub(r"\s+", "", text)


def assign_headline(article: Article, header: list[Unit], broken: bool = False) -> None:
    """Kicker (ends in ——), subtitle (starts with ——), title; two plain lines are kicker and title.

    When broken (a page that joins headings to their text), two short lines are one headline broken
    by a narrow column. One line holding headline and subtitle (a space, then a clause with a comma)
    is split at the space.
    """
    if broken and len(header) == 2 and all(len(u.text) <= BROKEN_HEAD_MAX for u in header) \
            and header[0].text[-1:] not in FINAL | set("—"):
        article.title, article.title_line = header[0].text + header[1].text, header[0].line
        article.notes.append(f"lines {header[0].line}–{header[1].line}: one headline broken over two lines, "
                             "joined (they may be kicker and headline)")
        return
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
        if not subtitles:
            split_subtitle(article)


def split_subtitle(article: Article) -> None:
    """'标题 副题,带逗号' on one line: the part after the last top-level space is a subtitle when it has a comma."""
    depth, cut = 0, -1
    for i, c in enumerate(article.title):
        depth += c in "《“(（「" 
        depth -= c in "》”)）」"
        if c == " " and depth <= 0:
            cut = i
    if cut <= 0:
        return
    head, tail = article.title[:cut].strip(), article.title[cut + 1:].strip()
    if head and tail and any(c in "，,、；;" for c in tail) and not head.endswith((":", "：")):
        article.title, article.subtitle = head, tail
        article.notes.append(f"line {article.title_line}: headline and subtitle printed on one line, split at the space")


def assemble_body(units: list[Unit], indented_page: bool = False) -> tuple[list[Paragraph], list[tuple[int, int]]]:
    """Paragraphs from body lines: a line that does not end its sentence is joined with the next one,
    unless the page indents its paragraphs and the next line is indented, or either is a bullet."""
    paragraphs: list[Paragraph] = []
    joins: list[tuple[int, int]] = []
    for index, unit in enumerate(units):
        last = paragraphs[-1] if paragraphs else None
        bullet = unit.text.startswith(tuple(BULLETS))
        new_paragraph = indented_page and unit.indent > 0
        if last and not last.subhead and not last.bullet and not bullet and not new_paragraph \
                and not ends_sentence(last.text):
            joins.append((last.lines[-1], unit.line))
            last.text += unit.text
            last.lines.append(unit.line)
            continue
        after_sentence = last is None or last.subhead or ends_sentence(last.text) or last.bullet or new_paragraph
        subhead = last is not None and after_sentence and index + 1 < len(units) and not bullet \
            and is_subhead_like(unit.text)
        paragraphs.append(Paragraph(unit.text, [unit.line], subhead, bullet))
    return paragraphs, joins


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
