"""`python build.py import`: a page of newspaper text becomes draft articles; layout damage repaired or flagged."""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, make_project, run_cli
from digest import cli
from digest.check import run_check
from digest.drafts import add_to_order, markdown_text, pinyin_slug
from digest.errors import DigestError
from digest.frontmatter import parse_front_matter
from digest.importer import PLACEHOLDER, apply_fixes, parse_anchor, parse_page

FIXTURES = ROOT / "tests" / "fixtures" / "import"
SEED = FIXTURES / "seed-page.txt"
CURATED = ROOT / "content" / "editions" / "2020-12-21"
EDITION = "content/editions/2020-12-21"


def load_report_script():
    """scripts/import_report.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("import_report", ROOT / "scripts" / "import_report.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_report"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def scratch(tmp_path: Path) -> Path:
    """An empty project with the repository's config, templates and static files."""
    project = tmp_path / "project"
    (project / "content").mkdir(parents=True)
    shutil.copy(ROOT / "config.yaml", project / "config.yaml")
    for name in ("templates", "static"):
        shutil.copytree(ROOT / name, project / name)
    return project


def run_import(project: Path, page: Path, *args: str, capsys=None) -> tuple[int, str, str]:
    """cli.main in-process; (exit code, stdout, stderr)."""
    code = cli.main(["--root", str(project), "import", str(page), "--edition", "2020-12-21", *args])
    out, err = capsys.readouterr() if capsys else ("", "")
    return code, out, err


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below folder with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def page(text: str):
    """parse_page of a small fixture text."""
    return parse_page(text, "page.txt")


# ---------------------------------------------------------------- the seed page, measured

def test_seed_page_figures():
    report = load_report_script().compare(SEED, CURATED, "2020-12-21")
    rows = {row.curated: row for row in report.rows}
    assert report.drafts == len(rows) == 10
    assert sum(r.split for r in report.rows) == 10, "articles split at the right place"
    assert sum(r.byline for r in report.rows) == 10 and sum(r.dateline for r in report.rows) == 10
    assert report.rejoins_expected == [(17, 19), (135, 137), (147, 149), (159, 161)]
    assert report.rejoins_done == report.rejoins_expected, "broken paragraphs rejoined: 4 of 4"
    assert report.moved_expected == [15] and report.moved_flagged == [15], "the moved passage in 三民 flagged"
    for column in ("kicker", "title", "subheads", "body"):
        assert all(getattr(r, column) for r in report.rows), column
    assert "moved-passage@15" in rows["sanmin-activity.zh.md"].flags
    assert "kicker-elsewhere@3" in rows["sanmin-activity.zh.md"].flags
    assert "kicker-elsewhere@3" in rows["sco-russia-center.zh.md"].flags
    assert rows["jinmenlu-gov-lounge.zh.md"].flags == ["no-headline@49"]
    assert rows["rcep-qingdao-base.zh.md"].flags == ["traditional-char@63"]
    assert sum(len(r.flags) for r in report.rows) == 5


def test_seed_report_script_exits_0(capsys):
    assert load_report_script().main([]) == 0
    assert "bodies identical after the flagged fixes: 10 of 10" in capsys.readouterr().out


def test_seed_flags_name_both_lines_and_the_fix():
    result = parse_page(SEED.read_text(encoding="utf-8"), "seed.txt")
    sanmin = next(a for a in result.articles if a.byline == "本报记者 薄克国")
    moved = next(f for f in sanmin.flags if f.code == "moved-passage")
    assert moved.line == 15 and "line 45" in moved.message and "来画" in moved.message
    assert moved.hint == "move lines 15–19 after line 45 and join the two paragraphs"
    sco = result.articles[0]
    assert sco.kicker == "2020年青岛“三民”活动创新求变——" and sco.title == "上合示范区 “俄罗斯中心”启动"
    fixed = apply_fixes(result)
    assert fixed.articles[0].kicker == "" and fixed.articles[1].kicker == sco.kicker
    assert fixed.articles[1].paragraphs[-1].text.endswith("从而汇聚起“爱青岛,让青岛更美好”的强大合力。")


# ---------------------------------------------------------------- one rule each

def test_broken_paragraph_is_rejoined():
    result = page("标题一\n\n□记者 张三 报道\n\n这种形式对于\n\n青岛“双招双引”有很大的推动作用。\n\n第二段。\n")
    article = result.articles[0]
    assert [p.text for p in article.paragraphs] == ["这种形式对于青岛“双招双引”有很大的推动作用。", "第二段。"]
    assert article.joins == [(5, 7)]


def test_broken_word_is_rejoined():
    text = "标题一\n\n□记者 张三 报道\n\n企业争相“触网”的热情空前高\n\n涨。数据显示,产值平均增幅20%以上。\n"
    article = page(text).articles[0]
    assert [p.text for p in article.paragraphs] == ["企业争相“触网”的热情空前高涨。数据显示,产值平均增幅20%以上。"]


def test_kicker_title_subtitle_and_subheads():
    text = ("聚焦民生实事——\n\n青岛新增100所幼儿园\n\n——学前教育普惠率达到90%\n\n□本报记者 张三\n\n"
            "第一段。\n\n扩大供给\n\n第二段。\n")
    article = page(text).articles[0]
    assert (article.kicker, article.title, article.subtitle) == ("聚焦民生实事——", "青岛新增100所幼儿园",
                                                                 "——学前教育普惠率达到90%")
    assert [(p.text, p.subhead) for p in article.paragraphs] == [("第一段。", False), ("扩大供给", True),
                                                                  ("第二段。", False)]


def test_two_plain_headline_lines_are_kicker_and_title():
    article = page("持续增长背后有何“秘诀”?\n\n即墨区领跑工业互联网\n\n□本报记者 张三\n\n正文。\n").articles[0]
    assert (article.kicker, article.title) == ("持续增长背后有何“秘诀”?", "即墨区领跑工业互联网")


def test_kicker_that_belongs_to_the_next_headline_is_flagged():
    text = ("冬季供暖保障创新求变——\n\n某中心启动\n\n□记者 张三 报道 本报北京电 12月18日,某中心启动仪式在北京举行。\n\n"
            "暖气进万家,市民过暖冬\n\n□本报记者 李四\n\n今年冬季供暖保障工作创新求变,全市供暖面积增加。\n\n"
            "供暖保障部门表示,冬季供暖一切正常。\n")
    result = page(text)
    assert [f.code for f in result.articles[0].flags] == ["kicker-elsewhere"]
    assert [(f.code, f.line) for f in result.articles[1].flags] == [("kicker-elsewhere", 1)]
    assert apply_fixes(result).articles[1].kicker == "冬季供暖保障创新求变——"


@pytest.mark.parametrize("line, byline, dateline, rest", [
    ("□记者 白晓 通讯员 李颖慧 报道 本报北京电 12月18日,中国—上海合作组织", "记者 白晓 通讯员 李颖慧", "本报北京电",
     "12月18日,中国—上海合作组织"),
    ("□本报记者 薄克国", "本报记者 薄克国", "", ""),
    ("□记者 薄克国 报道", "记者 薄克国", "", ""),
    ("本报记者 李媛 本报通讯员 安迪 赵昌东", "本报记者 李媛 本报通讯员 安迪 赵昌东", "", ""),
    ("通讯员 王五 报道 本报青岛讯 青岛市财政局加大监管力度。", "通讯员 王五", "本报青岛讯", "青岛市财政局加大监管力度。"),
    ("本报莱西讯 莱西市夏格庄镇农民葛群修", "", "本报莱西讯", "莱西市夏格庄镇农民葛群修"),
])
def test_bylines_and_datelines(line, byline, dateline, rest):
    assert parse_anchor(line) == type(parse_anchor(line))(byline, dateline, rest)


@pytest.mark.parametrize("line", ["记者手记", "记者们都来了。", "本报电子版今天上线。", "12月16日,某街道启动。"])
def test_not_bylines(line):
    assert parse_anchor(line) is None


def test_two_datelines():
    text = ("标题一\n\n□记者 张三 报道 本报青岛讯 12月19日,青岛举行活动。\n\n"
            "标题二\n\n□记者 李四 报道\n\n本报北京电 12月18日,北京举行仪式。\n")
    first, second = page(text).articles
    assert (first.dateline, first.paragraphs[0].text) == ("本报青岛讯", "12月19日,青岛举行活动。")
    assert (second.byline, second.dateline, second.paragraphs[0].text) == ("记者 李四", "本报北京电",
                                                                          "12月18日,北京举行仪式。")


def test_byline_line_then_dateline_line_are_one_article():
    text = ("今日关注\n\n聚焦民生实事——\n青岛新增100所幼儿园\n\n□记者 张三/文 李四/摄\n\n"
            "本报青岛讯 12月21日,今年全市新增幼儿园100所。\n□记者 赵六\n本报讯 第三条。\n")
    result = page(text)
    first, second = result.articles
    assert (first.kicker, first.title, first.byline, first.dateline) == (
        "聚焦民生实事——", "青岛新增100所幼儿园", "记者 张三/文 李四/摄", "本报青岛讯")
    assert [p.text for p in first.paragraphs] == ["12月21日,今年全市新增幼儿园100所。"]
    assert (second.byline, second.dateline, [p.text for p in second.paragraphs]) == ("记者 赵六", "本报讯", ["第三条。"])
    assert [(f.code, f.line) for f in result.flags] == [("outside-article", 1)]  # above the kicker: not its headline


def test_brief_without_headline_gets_a_placeholder_and_a_flag():
    text = ("标题一\n\n□记者 张三 报道 本报青岛讯 第一篇正文。\n\n□记者 薄克国 报道\n\n"
            "12月16日,金门路街道政务公开“慧客厅”启动,为群众提供服务。\n")
    brief = page(text).articles[1]
    assert brief.title == PLACEHOLDER + "金门路街道政务公开“慧客厅”启动"
    assert brief.title_note == "editor's headline"
    assert [(f.code, f.line) for f in brief.flags] == [("no-headline", 5)]


def test_traditional_character_is_flagged_with_line_and_simplified_form():
    article = page("标题一\n\n□记者 张三 报道\n\n为什么青岛的動作如此迅速?乾隆年间的事。\n").articles[0]
    [flag] = article.flags
    assert (flag.code, flag.line) == ("traditional-char", 5)
    assert flag.message.startswith("動 is a traditional character") and "write 动" in flag.hint


def test_passage_moved_away_from_its_paragraph_is_flagged_not_moved():
    text = ("标题一\n\n□本报记者 张三\n\n第一段。\n\n公司在落户过程中感受到了高效配合。\n\n小标题\n\n"
            "来青投资的来画公司总经理表示,作为一家深圳企业,来画\n")
    result = page(text)
    article = result.articles[0]
    [flag] = article.flags
    assert (flag.code, flag.line) == ("moved-passage", 7)
    assert article.paragraphs[1].text.startswith("公司在落户")  # left where the page printed it
    fixed = apply_fixes(result).articles[0]
    assert fixed.paragraphs[-1].text.endswith("深圳企业,来画公司在落户过程中感受到了高效配合。")


def test_unfinished_paragraph_with_nothing_to_continue_it_is_flagged():
    article = page("标题一\n\n□本报记者 张三\n\n第一段。\n\n这是一段没有结束的文字,它停在\n").articles[0]
    assert [(f.code, f.line) for f in article.flags] == [("unfinished-paragraph", 7)]


def test_text_before_the_first_article_is_flagged():
    result = page("青岛日报 第3版。\n\n标题一\n\n□本报记者 张三\n\n正文。\n")
    assert [(f.code, f.line) for f in result.flags] == [("outside-article", 1)]


def test_page_that_cannot_be_split_is_one_flagged_draft():
    result = page("这是一段话。\n\n这是另一段话。\n")
    [article] = result.articles
    assert [p.text for p in article.paragraphs] == ["这是一段话。", "这是另一段话。"]
    assert article.title.startswith(PLACEHOLDER)
    assert [(f.code, f.line) for f in article.flags] == [("no-headline", 1), ("not-split", 1)]


@pytest.mark.parametrize("text", [
    "Page 3\n\nThe quick brown fox.\n",
    "A01版:要闻\n上一版  下一版\n\n青岛新增100所幼儿园\n胶州湾大桥迎来车流高峰\n2020年12月21日\n",
])
def test_page_without_chinese_prose_is_an_error(text):
    with pytest.raises(DigestError) as caught:
        page(text)
    assert caught.value.problems[0].code == "import-no-article"


def test_slugs_are_short_pinyin():
    assert pinyin_slug("上合示范区 “俄罗斯中心”启动") == "shang-he-shi-fan-qu"
    assert pinyin_slug("借力RCEP东风,“青岛力量”乘势而上") == "jie-li-rcep-dong-feng"
    assert pinyin_slug("“七帮”项目打造“全民志愿·阳光城阳”") == "qi-bang-xiang-mu-da-zao"


@pytest.mark.parametrize("title", ["2020", "yes", "标题: 副题", "#话题", "'引号'", "- 列表", "@某人"])
def test_draft_front_matter_survives_any_headline(title):
    from digest.drafts import render_draft
    from digest.importer import Article, Paragraph
    text = render_draft(Article(1, 3, title=title, paragraphs=[Paragraph("正文。", [3])]), "economy", None, "p.txt")
    fm = parse_front_matter(text, "draft")
    assert fm.problems == [] and fm.meta["title"] == title and fm.meta["draft"] is True


def test_markdown_markup_in_newspaper_text_is_escaped():
    assert markdown_text("1. 第一") == "1\\. 第一"
    assert markdown_text("#话题 a*b_c <b>") == "\\#话题 a\\*b\\_c &lt;b>"
    assert markdown_text("“7+3”云述职") == "“7+3”云述职"


# ---------------------------------------------------------------- e-paper layouts, one rule each

def texts(article) -> list[str]:
    """The paragraphs' texts, subheads marked ##."""
    return [("## " if p.subhead else "") + p.text for p in article.paragraphs]


def heading(article) -> tuple[str, str, str]:
    """(kicker, title, subtitle)."""
    return article.kicker, article.title, article.subtitle


def test_heading_and_first_paragraph_on_one_line_after_a_run_of_spaces():
    result = page("东营港新航线开通   3月12日,东营港至大连的客滚航线开通。\n"
                  "  新航线每周往返三班。\n"
                  "黄河口湿地迎来候鸟   近日,保护区迎来今年首批北归的候鸟。\n")
    first, second = result.articles
    assert (first.title, texts(first)) == ("东营港新航线开通", ["3月12日,东营港至大连的客滚航线开通。", "新航线每周往返三班。"])
    assert (second.title, texts(second)) == ("黄河口湿地迎来候鸟", ["近日,保护区迎来今年首批北归的候鸟。"])


def test_headline_and_subtitle_on_one_line_split_where_the_subtitle_has_a_comma():
    result = page("烟台苹果云上走俏 直播带货,果农增收   五月的栖霞,果园一片繁忙。\n"
                  "印发《关于加强 集体经济管理的意见》 推动管理规范、透明   日前,意见印发。\n"
                  "建设紧锣密鼓 新城日新月异   十月,新城工地上塔吊林立。\n")
    assert [heading(a) for a in result.articles] == [
        ("", "烟台苹果云上走俏", "直播带货,果农增收"),
        ("", "印发《关于加强 集体经济管理的意见》", "推动管理规范、透明"),  # the space inside 《》 is not the break
        ("", "建设紧锣密鼓 新城日新月异", "")]  # two parallel clauses: one headline


def test_headline_broken_over_two_lines_above_a_heading_line_is_joined():
    result = page("春耕\n备耕忙   连日来,农民抢抓农时平整土地。\n"
                  "聚焦——\n城乡融合   近日,某镇出台方案推进城乡融合。\n")
    first, second = result.articles
    assert heading(first) == ("", "春耕备耕忙", "") and texts(first) == ["连日来,农民抢抓农时平整土地。"]
    assert "lines 1–2: one headline broken over two lines, joined (they may be kicker and headline)" in first.notes
    assert heading(second) == ("聚焦——", "城乡融合", "")


def test_list_of_headlines_above_a_heading_line_is_not_its_headline():
    result = page("本版导航\n淄博烧烤再出圈\n周村古商城夜游火爆\n淄博烧烤再出圈   五一假期,淄博烧烤再次迎来客流高峰。\n")
    [article] = result.articles
    assert heading(article) == ("", "淄博烧烤再出圈", "")
    assert [(f.code, f.line) for f in result.flags] == [("outside-article", 1)]


def test_bare_lines_heading_by_length_and_final_punctuation():
    result = page("青岛地铁新线开通运营\n今天上午,青岛地铁新线开通运营。\n沿线设站十五座,全程约四十分钟。 据新华社\n"
                  "全市两会闭幕,代表热议民生\n民生实事项目全部落地\n新华社北京3月11日电 全市两会今天闭幕。\n")
    first, second = result.articles
    assert (first.title, first.credit, texts(first)) == (
        "青岛地铁新线开通运营", "据新华社", ["今天上午,青岛地铁新线开通运营。", "沿线设站十五座,全程约四十分钟。"])
    assert heading(second) == ("全市两会闭幕,代表热议民生", "民生实事项目全部落地", "")
    assert (second.dateline, texts(second)) == ("新华社北京3月11日电", ["全市两会今天闭幕。"])


def test_three_bare_heading_lines_are_kicker_headline_subtitle():
    article = page("铺钢轨 建路面 建设者昼夜奔忙\n跨海大桥九月建成\n两岸引桥开始铺设复线\n"
                   "本报讯 跨海大桥的建设者正在紧张施工。\n").articles[0]
    assert heading(article) == ("铺钢轨 建路面 建设者昼夜奔忙", "跨海大桥九月建成", "两岸引桥开始铺设复线")


def test_indentation_marks_paragraphs():
    text = ("标题一   第一段说到这里还没有说完\n  第二段开头缩进,是新的一段。\n  第三段。\n")
    article = page(text).articles[0]
    assert texts(article) == ["第一段说到这里还没有说完", "第二段开头缩进,是新的一段。", "第三段。"]
    assert article.joins == []


def test_bullet_lines_are_paragraphs_of_their_own():
    text = ("十件民生实事公布\n\n本报讯 今年的十件民生实事包括:\n\n• 新建学校20所\n\n• 新增养老床位1000张\n\n"
            "市政府表示将按月调度。\n")
    article = page(text).articles[0]
    assert texts(article) == ["今年的十件民生实事包括:", "• 新建学校20所", "• 新增养老床位1000张", "市政府表示将按月调度。"]
    assert article.joins == []


def test_crossheads_inside_a_body_stay_in_it():
    text = ("十组数据看民生   政府工作报告提出多项民生目标。\n就业优先\n居民收入稳步增长\n"
            "  “就业是最大的民生。”一位代表说。\n  报告还提出扩大中等收入群体。\n")
    [article] = page(text).articles
    assert texts(article) == ["政府工作报告提出多项民生目标。", "## 就业优先", "## 居民收入稳步增长",
                              "“就业是最大的民生。”一位代表说。", "报告还提出扩大中等收入群体。"]
    assert article.flags == []


def test_crosshead_in_an_article_without_byline_or_dateline_is_flagged():
    text = "城区新增停车泊位\n\n今年城区新增泊位三千个。\n\n邹平举办技能大赛\n\n五月,邹平举办技能大赛。\n"
    [article] = page(text).articles
    assert texts(article) == ["今年城区新增泊位三千个。", "## 邹平举办技能大赛", "五月,邹平举办技能大赛。"]
    [flag] = article.flags
    assert (flag.code, flag.line) == ("crosshead-or-headline", 5) and "split the draft here" in flag.hint


def test_short_lines_after_a_closing_byline_start_the_next_article():
    text = ("城区新增停车泊位\n今年城区新增泊位三千个。\n(记者 赵磊)\n邹平举办技能大赛\n五月,邹平举办技能大赛。(通讯员 钱芳)\n"
            "茌平新建口袋公园\n今年茌平新建口袋公园三处。\n")
    result = page(text)
    assert [(a.title, a.byline) for a in result.articles] == [
        ("城区新增停车泊位", "记者 赵磊"), ("邹平举办技能大赛", "通讯员 钱芳"), ("茌平新建口袋公园", "")]
    assert texts(result.articles[1]) == ["五月,邹平举办技能大赛。"]


NAV_PAGE = ("A01版:要闻\n\nA02版:评论\n\n第03版:城事\n上一版  下一版\n版面导航\n标题导航\n"
            "济南地铁新线开通\n泉城广场喷泉开放\n2024年05月20日\n返回首页\n放大 缩小 默认\n"
            "http://www.example.cn          示例网\n")
CLEAN_PAGE = ("2024年05月20日 星期一 第A03版:城事\n\n济南地铁新线开通\n\n文章字数:312\n\n"
              "  本报讯(记者 吴昊)5月20日,济南地铁新线开通运营。\n  全线设站二十座。\n\n责任编辑:王五\n"
              "2024-05-20 3 1 示例日报 content_1234.html 1 济南地铁新线开通 /enpproperty-->\n"
              "上一篇  下一篇\n关于我们 | 版权声明 | 联系我们\nCopyright © 2024 示例日报社\n扫码关注\n示例日报\n客户端\n×\n")


def test_navigation_block_and_page_residue_are_left_out_and_reported():
    result = page(NAV_PAGE + CLEAN_PAGE)
    [article] = result.articles
    assert (article.title, article.byline, article.dateline) == ("济南地铁新线开通", "记者 吴昊", "本报讯")
    assert texts(article) == ["5月20日,济南地铁新线开通运营。", "全线设站二十座。"]
    kinds = {kind for d in result.dropped for kind in d.kinds}
    assert kinds == {"navigation", "page header", "word count", "page label", "CMS line", "footer", "symbols"}
    assert [(f.code, f.line) for f in result.flags] == [("outside-article", 9)]  # the headline list of the navigation


@pytest.mark.parametrize("line, kind", [
    ("A01版:要闻", "navigation"), ("第02版:综合新闻", "navigation"), ("第3版()", "navigation"),
    ("3上一篇  下一篇4", "navigation"), ("返回某某新闻网", "navigation"), ("http://www.example.cn    示例网", "navigation"),
    ("工人日报 2021年12月22日 星期一", "page header"), ("1957年7月20日示例日报 第3版", "page header"),
    ("《示例日报》(2021年12月22日 02版)", "page header"), ("示例晚报     2022年03月30日", "page header"),
    ("本文字数:1442", "word count"), ("专栏:", "page label"), ("责任编辑:王五", "page label"),
    ("2025-07-08 2 2 示例晚报 content_1.html 1 标题 /enpproperty-->", "CMS line"),
    ("关于我们 | 版权声明 | 联系我们", "footer"), ("(下转第2版)", "continuation mark"), ("×", "symbols"),
    # body text and headings that only look like residue
    ("返回家乡创业", ""), ("市民扫一扫二维码,即可办理,十分方便。", ""), ("2025年1月1日起新规施行", ""),
    ("2025年度", ""), ("上合示范区 “俄罗斯中心”启动", ""),
])
def test_residue_shapes(line, kind):
    from digest.importer import residue_kind
    assert residue_kind(line) == kind


def test_raw_page_with_navigation_gives_the_same_drafts_as_the_clean_page():
    def drafts(text):
        return [(a.kicker, a.title, a.subtitle, a.byline, a.dateline, texts(a)) for a in page(text).articles]
    assert drafts(NAV_PAGE + CLEAN_PAGE) == drafts(CLEAN_PAGE)


def test_meta_line_between_heading_and_body_and_repeated_headline_are_left_out():
    text = ("刘强任某市代市长\n\n示例晚报     2022年03月30日\n  日前,某市人大常委会决定任命刘强为代市长。\n刘强任某市代市长\n")
    [article] = page(text).articles
    assert (article.title, texts(article)) == ("刘强任某市代市长", ["日前,某市人大常委会决定任命刘强为代市长。"])
    assert "line 5: the headline printed again, left out" in article.notes


@pytest.mark.parametrize("text, byline", [
    ("标题一   正文说完了。\n                      示例日报社全媒体记者 张驰\n", "示例日报社全媒体记者 张驰"),  # right-aligned line
    ("标题一   正文说完了。                                      本报记者 张沁\n", "本报记者 张沁"),  # after a long run
    ("标题一\n\n正文说完了。\n\n(示例晚报全媒体记者 刘伟 通讯员 刘贺)\n", "示例晚报全媒体记者 刘伟 通讯员 刘贺"),  # own line in ()
    ("标题一\n\n正文说完了。\n\n■ 首席摄影记者 岳文\n", "首席摄影记者 岳文"),  # ■, after the body
    ("标题一\n\n正文说完了。\n\n本报记者 田垒 本报通讯员 孔政 摄\n", "本报记者 田垒 本报通讯员 孔政"),  # 摄
    ("图片新闻\n  游客在景区游览,防患于未然。(见习记者 费 翔 摄)\n", "见习记者 费 翔"),  # glued to the caption
    ("标题一\n\n\n  □本报记者 刘 超\n  通讯员 梁康 \n\n  正文说完了。\n", "本报记者 刘 超 通讯员 梁康"),  # over two lines
    ("标题一   本报讯(记者 于哲)正文说完了。\n", "记者 于哲"),  # in () after 本报讯
    ("标题一   本报讯 (示例日报社全媒体记者 付凯 刘文)正文说完了。\n", "示例日报社全媒体记者 付凯 刘文"),
    ("标题一\n\n本报讯  (赵叶舟)正文说完了。\n", "赵叶舟"),  # a bare name in () after a dateline
    ("标题一\n\n本报济南讯 记者 张三 济南报道 正文说完了。\n", "记者 张三"),  # X地报道
    ("标题一\n\n文/图 本报记者 马丽\n\n正文说完了。\n", "文/图 本报记者 马丽"),
    ("标题一   正文说完了。\n                           张三 摄\n", "张三"),  # a photo byline without a role
    ("标题一   □记者 张三   本报讯 正文说完了。\n", "记者 张三"),  # on the heading line, before the dateline
    ("标题一   记者 张三\n正文说完了。\n", "记者 张三"),  # on the heading line, the body below
])
def test_bylines_wherever_papers_put_them(text, byline):
    [article] = page(text).articles
    assert article.byline == byline
    assert texts(article) == ["正文说完了。"] or texts(article) == ["游客在景区游览,防患于未然。"]


def test_line_of_names_under_the_headline_is_a_flagged_byline():
    text = "□“菜地今清完”追踪\n“菜地”已被清理 围挡今日建成\n\nN都市帮 赖昌\n\n昨日,平房楼顶的菜地已被清理。\n"
    [article] = page(text).articles
    assert heading(article) == ("“菜地今清完”追踪", "“菜地”已被清理 围挡今日建成", "")  # □ is a mark, not text
    assert article.byline == "N都市帮 赖昌"
    assert [(f.code, f.line) for f in article.flags] == [("byline-guess", 4)]


@pytest.mark.parametrize("line, dateline, rest", [
    ("本报讯 某市新增泊位。", "本报讯", "某市新增泊位。"),
    ("本报5月3日讯 某市新增泊位。", "本报5月3日讯", "某市新增泊位。"),
    ("本报合肥18日电 在辽阔的平原上。", "本报合肥18日电", "在辽阔的平原上。"),
    ("本报垦利3月11日讯 近日,保护区迎来候鸟。", "本报垦利3月11日讯", "近日,保护区迎来候鸟。"),
    ("新华社北京7月15日电 会议在北京举行。", "新华社北京7月15日电", "会议在北京举行。"),
    ("据新华社北京12月1日电 记者从医保局了解到。", "据新华社北京12月1日电", "记者从医保局了解到。"),
    ("中新网5月3日电 假期首日客流两亿人次。", "中新网5月3日电", "假期首日客流两亿人次。"),
    ("本报讯 据长江日报消息:大桥即将建成。", "本报讯", "据长江日报消息:大桥即将建成。"),
])
def test_dateline_shapes(line, dateline, rest):
    assert parse_anchor(line) == type(parse_anchor(line))("", dateline, rest)


@pytest.mark.parametrize("text, credit", [
    ("标题一   正文说完了。\n                           据新华社\n", "据新华社"),  # right-aligned, own line
    ("标题一   正文说完了。 据央视\n", "据央视"),  # after one space
    ("标题一   正文说完了。                  本报综合某某日报、新华社消息\n", "本报综合某某日报、新华社消息"),
    ("标题一\n正文说完了。\n                              据新闻联播\n", "据新闻联播"),
])
def test_credits_are_neither_byline_nor_body(text, credit):
    [article] = page(text).articles
    assert (article.credit, article.byline, texts(article)) == (credit, "", ["正文说完了。"])
    assert any(credit in note and "not a byline" in note for note in article.notes)


def test_photo_caption_under_a_standing_label_is_flagged():
    [article] = page("图片新闻\n文章字数:50\n  游客在景区游览,景区秩序井然。(记者 王五 摄)\n").articles
    assert (article.title, article.byline) == ("图片新闻", "记者 王五")
    assert [(f.code, f.line) for f in article.flags] == [("standing-label", 1)]


def test_teasers_are_reported_never_a_kicker_of_the_next_article():
    text = ("今日导读\n地铁4号线全线贯通\n全长40公里,年底开通\n    详见A03版\n"
            "市民卡全省通用   本报讯(记者 吴昊)6月1日起,市民卡全省通用。\n")
    result = page(text)
    [article] = result.articles
    assert heading(article) == ("", "市民卡全省通用", "")
    assert [(f.code, f.line) for f in result.flags] == [("outside-article", 1)]
    assert "全长40公里" in result.flags[0].message


def test_heading_and_byline_with_no_text_under_them_are_a_report_entry():
    text = "今日关注\n\n地铁新线开通\n\n□记者 张三\n\n公园开放   本报讯 十处口袋公园今天开放。\n"
    result = page(text)
    [article] = result.articles
    assert article.title == "公园开放"
    [flag] = result.flags
    assert (flag.code, flag.line) == ("outside-article", 1) and "地铁新线开通" in flag.message


def test_jump_marks_are_left_out_and_an_article_continued_from_another_page_starts_a_draft():
    text = ("新航线开通   本报讯 东营港新航线开通。\n  首航旅客一百二十名。(下转第2版)\n"
            "夜游火爆   (上接第1版)\n  夜幕降临,古商城游客络绎不绝。\n")
    first, second = page(text).articles
    assert texts(first) == ["东营港新航线开通。", "首航旅客一百二十名。"]
    assert (second.title, texts(second)) == ("夜游火爆", ["夜幕降临,古商城游客络绎不绝。"])
    assert any("(上接第1版)" in n for n in second.notes) and any("(下转第2版)" in n for n in first.notes)


def test_report_lists_what_was_left_out(tmp_path, capsys):
    project = scratch(tmp_path)
    source = tmp_path / "page.txt"
    source.write_text(NAV_PAGE + CLEAN_PAGE, encoding="utf-8")
    code, out, err = run_import(project, source, capsys=capsys)
    assert (code, err) == (0, "")
    assert "Left out (" in out and f"{source}:1–15: navigation, page header 「A01版:要闻」 …" in out
    assert f"{source}:9: lines 9–10: text before the first article 「济南地铁新线开通 / 泉城广场喷泉开放」, left out" in out
    [draft] = (project / EDITION).glob("*.zh.md")
    text = draft.read_text(encoding="utf-8")
    assert "#   line 19: word count 「文章字数:312」, left out" in text
    assert "记者 吴昊" not in text.split("---")[2]  # the byline never stays in the body


# ---------------------------------------------------------------- the development set (../shared/import-examples)

EXAMPLES = ROOT.parent / "shared" / "import-examples"
needs_examples = pytest.mark.skipif(not (EXAMPLES / "score.py").is_file(),
                                    reason=f"the development set is not beside the project ({EXAMPLES})")


@needs_examples
def test_development_set_scores_the_issue_figures():
    done = subprocess.run([sys.executable, str(EXAMPLES / "score.py"), str(ROOT)], capture_output=True, text=True,
                          encoding="utf-8", timeout=600)
    last = done.stdout.strip().splitlines()[-1]  # import: split X/N, heading H/N, … leaks L (pages K)
    figures = {name: int(n) / int(total) for name, n, total in re.findall(r"(\w+) (\d+)/(\d+)", last)}
    assert done.returncode == 0, done.stdout
    assert all(figures[k] >= 0.95 for k in ("split", "heading", "byline", "dateline")), last
    assert figures["paragraphs"] >= 0.90 and " leaks 0 " in last, last


@needs_examples
def test_development_set_raw_pages_give_the_same_drafts_and_every_draft_builds(tmp_path, capsys):
    project = scratch(tmp_path)
    pages = sorted((EXAMPLES / "pages").glob("[0-9][0-9].txt"))
    for number, clean in enumerate(pages, start=1):
        raw = clean.with_name(clean.stem + ".raw.txt")
        for kind, path in (("clean", clean), ("raw", raw)):
            edition = f"2030-{1 if kind == 'clean' else 2:02d}-{number:02d}"
            code = cli.main(["--root", str(project), "import", str(path), "--edition", edition])
            assert code == 0, (path, capsys.readouterr().err)
        drafts = [sorted((p.name, [line for line in p.read_text(encoding="utf-8").splitlines()
                                   if not line.startswith("#   line") and not line.startswith("# Imported")])
                         for p in (project / "content/editions" / f"2030-{month:02d}-{number:02d}").glob("*.zh.md"))
                  for month in (1, 2)]
        assert drafts[0] == drafts[1], clean.name  # the same files, front matter and bodies (comments aside)
    capsys.readouterr()
    result = run_check(project)
    assert [p.format() for p in result.findings if p.level == "error"] == []
    done = run_cli(project, "build", "--drafts", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------- edition.yaml

def test_order_is_extended_and_the_rest_of_edition_yaml_kept():
    text = ("# the editor's comment\ntitle: {zh: 标题, en: Title}\norder:\n  - old-one   # lead story\n"
            "  - old-two\nlead: {zh: 导读, en: Lead}\n")
    new, added = add_to_order(text, ["new-a", "old-two", "new-b"], "edition.yaml")
    assert added == ["new-a", "new-b"]
    assert new == ("# the editor's comment\ntitle: {zh: 标题, en: Title}\norder:\n  - old-one   # lead story\n"
                   "  - old-two\n  - new-a\n  - new-b\nlead: {zh: 导读, en: Lead}\n")


@pytest.mark.parametrize("text, expected", [
    ("order: [a, b]  # keep\n", "order: [a, b, c]  # keep\n"),
    ("order: []\n", "order: [c]\n"),
    ("title: {zh: 标题, en: Title}", "title: {zh: 标题, en: Title}\norder:\n  - c\n"),
    (None, "order:\n  - c\n"),
])
def test_order_in_other_shapes(text, expected):
    assert add_to_order(text, ["c"], "edition.yaml")[0] == expected


# ---------------------------------------------------------------- the command

def test_import_writes_drafts_that_build(tmp_path, capsys):
    project = scratch(tmp_path)
    code, out, err = run_import(project, SEED, "--source-name", "青岛日报", "--page", "3", capsys=capsys)
    assert (code, err) == (0, "")
    drafts = sorted((project / EDITION).glob("*.zh.md"))
    assert len(drafts) == 10
    assert "To review (5;" in out and out.rstrip().splitlines()[-1].startswith("imported 10 articles as drafts")
    assert f"{SEED}:15: [zheng-min-hu-dong-hui-ju] this passage (lines 15–19" in out
    text = (project / EDITION / "zheng-min-hu-dong-hui-ju.zh.md").read_text(encoding="utf-8")
    assert text.startswith("---\n# Imported from seed-page.txt, lines 9–45")
    assert "#   line 15: this passage" in text and "#   lines 17 and 19: one paragraph broken" in text
    assert "\ntitle: 政民互动汇聚合力,美好青岛未来可期\nbyline: 本报记者 薄克国\nsection: government\n" \
        "source: {name: 青岛日报, page: 3, date: 2020-12-21}\ndraft: true\n---\n" in text
    meta = parse_front_matter(text, "draft").meta
    assert meta["draft"] is True and meta["section"] == "government" and meta["byline"] == "本报记者 薄克国"
    assert meta["source"] == {"name": "青岛日报", "page": 3, "date": __import__("datetime").date(2020, 12, 21)}
    order = (project / EDITION / "edition.yaml").read_text(encoding="utf-8")
    assert order.startswith("order:\n  - shang-he-shi-fan-qu\n  - zheng-min-hu-dong-hui-ju\n")
    result = run_check(project)
    assert [p.format() for p in result.findings if p.level == "error"] == []
    assert {p.code for p in result.findings} == {"traditional-char"}  # drafts may wait for their translation
    done = run_cli(project, "build", "--drafts", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out/zh/editions/2020-12-21/zheng-min-hu-dong-hui-ju/index.html").is_file()
    page_html = (tmp_path / "out/zh/editions/2020-12-21/qing-dao-shi-shi-nan-qu/index.html").read_text("utf-8")
    assert PLACEHOLDER in page_html


def test_import_twice_refuses_to_overwrite(tmp_path, capsys):
    project = scratch(tmp_path)
    assert run_import(project, SEED, capsys=capsys)[0] == 0
    before = files_under(project / "content")
    code, out, err = run_import(project, SEED, capsys=capsys)
    assert code == 1 and out == ""
    assert "zheng-min-hu-dong-hui-ju.zh.md: error: already exists: import never overwrites a file" in err
    assert files_under(project / "content") == before


def test_dry_run_writes_nothing(tmp_path, capsys):
    project = scratch(tmp_path)
    code, out, _ = run_import(project, SEED, "--dry-run", capsys=capsys)
    assert code == 0 and f"would write {EDITION}/shang-he-shi-fan-qu.zh.md" in out
    assert "nothing was written (--dry-run)" in out
    assert files_under(project / "content") == {}


def test_import_into_an_edition_keeps_its_edition_yaml(tmp_path, capsys):
    project = make_project(tmp_path)  # the basic fixture: 2020-12-21 has an edition.yaml with an order
    edition_yaml = project / EDITION / "edition.yaml"
    old = edition_yaml.read_text(encoding="utf-8")
    assert run_import(project, SEED, capsys=capsys)[0] == 0
    new = edition_yaml.read_text(encoding="utf-8")
    assert old.endswith("order: [rcep-base, volunteers]\n")
    assert new == old.replace("volunteers]", "volunteers, shang-he-shi-fan-qu, zheng-min-hu-dong-hui-ju, "
                              "qing-dao-shi-shi-nan-qu, jie-li-rcep-dong-feng, qing-dao-jia-da-cai-zheng, "
                              "qing-dao-lao-shan-qu-chuang, qi-bang-xiang-mu-da-zao, qing-dao-xi-hai-an-xin, "
                              "lai-xi-ren-cai-pei-zhi, qing-dao-ji-mo-qu-ling]")
    assert run_cli(project, "build", "--drafts", "--out", str(tmp_path / "out")).returncode == 0


def test_file_that_is_not_utf8_is_refused(tmp_path, capsys):
    project = scratch(tmp_path)
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("标题\n\n□记者 张三 报道\n\n正文。\n".encode("gb18030"))
    code, out, err = run_import(project, bad, capsys=capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "is not UTF-8" in err and "iconv" in err
    assert files_under(project / "content") == {}


@pytest.mark.parametrize("text, message", [
    ("", "the page is empty"),
    ("\n  \n\u3000\n", "the page is empty"),
    ("Page 3\n\nThe quick brown fox.\n", "no article found"),
])
def test_empty_page_or_no_article_is_refused(tmp_path, capsys, text, message):
    project = scratch(tmp_path)
    source = tmp_path / "page.txt"
    source.write_text(text, encoding="utf-8")
    code, out, err = run_import(project, source, capsys=capsys)
    assert code == 1 and out == "" and err.count("\n") == 1 and message in err
    assert files_under(project / "content") == {}


def test_bad_edition_date_is_a_usage_error(tmp_path, capsys):
    project = scratch(tmp_path)
    code = cli.main(["--root", str(project), "import", str(SEED), "--edition", "2020-13-01"])
    assert code == 2 and "--edition" in capsys.readouterr().err


def test_missing_page_file_is_refused(tmp_path, capsys):
    code, _, err = run_import(scratch(tmp_path), tmp_path / "nope.txt", capsys=capsys)
    assert code == 1 and "cannot read the page" in err


# ---------------------------------------------------------------- check: traditional characters

def traditional_findings(tmp_path: Path, zh_front: str, body: str) -> list:
    project = make_project(tmp_path, "check-clean", files={
        "content/editions/2020-12-21/good.zh.md": f"---\ntitle: 好文章\nsection: economy\ntags: [rcep]\n{zh_front}"
                                                  f"---\n\n{body}\n"})
    return [p for p in run_check(project).findings if p.code == "traditional-char"]


def test_check_warns_about_a_traditional_character(tmp_path):
    found = traditional_findings(tmp_path, "kicker: 青島\n", "为什么青岛的動作如此迅速?\n\n乾隆年间,著名的事。")
    assert [(p.path, p.line, p.level) for p in found] == [
        ("content/editions/2020-12-21/good.zh.md", 5, "warning"),
        ("content/editions/2020-12-21/good.zh.md", 8, "warning")]
    assert found[1].message == "動 is a traditional character; the simplified form is 动"
    assert found[1].hint == "write 动, or accept it in this article with `traditional_ok: [動]`"


def test_check_accepts_the_characters_an_article_lists(tmp_path):
    for n, accepted in enumerate(("traditional_ok: [動]\n", "traditional_ok: 動\n")):
        assert traditional_findings(tmp_path / str(n), accepted, "为什么青岛的動作如此迅速?") == []


def test_check_refuses_a_traditional_ok_that_is_not_a_list(tmp_path):
    project = make_project(tmp_path, "check-clean", files={
        "content/editions/2020-12-21/good.zh.md": "---\ntitle: 好\nsection: economy\ntraditional_ok: {a: 1}\n---\n\n正文。\n"})
    assert any(p.line == 4 and "traditional_ok" in p.message for p in run_check(project).findings)


def test_repository_content_is_clean():
    done = run_cli(ROOT, "check")
    assert done.returncode == 0 and done.stdout.endswith("0 errors, 0 warnings in 26 files\n"), done.stdout
