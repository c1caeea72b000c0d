"""UI strings of each language in one catalogue, and dates in the reader's language (Babel)."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel.dates import format_date, format_skeleton

# Every word the templates show. A language without an entry falls back to English.
STRINGS = {
    "zh": {
        "skip": "跳到正文", "home": "首页", "editions": "往期", "edition": "本期", "sections": "栏目",
        "tags": "标签", "archive": "归档", "about": "关于", "language": "语言",
        "latest": "最新文章", "latest_edition": "最新一期", "read_edition": "阅读本期",
        "all_editions": "全部期数", "previous_edition": "上一期", "next_edition": "下一期",
        "previous_article": "上一篇", "next_article": "下一篇", "in_this_edition": "本期文章",
        "newer": "较新", "older": "较早", "page_n": "第 {n} 页", "pagination": "翻页", "articles": "文章",
        "minutes": "阅读约 {n} 分钟", "articles_n": "{n} 篇", "by": "",
        "not_translated": "尚未翻译", "not_translated_long": "本文尚无中文版，以下链接指向原文。",
        "switch_missing": "本文暂无{language}版本，前往{language}版本期刊",
        "switch_missing_home": "本页暂无{language}版本，前往{language}首页",
        "translation_note": "译文", "original_note": "原文",
        "machine_translation": "机器翻译，尚未人工审校", "pending_translation": "译文待完成",
        "translated_by": "译者：{name}", "editor_headline": "标题为编者所加",
        "source": "来源", "source_page": "第 {page} 版", "no_articles": "暂无文章。",
        "tag_index_intro": "按标签浏览全部文章。", "archive_intro": "按月份浏览往期。",
        "not_found": "找不到此页", "not_found_text": "您要找的页面不存在，可能已被移动或删除。",
        "choose_language": "选择语言", "landing_intro": "请选择阅读语言",
        "redirect": "此页已移至新地址", "redirect_link": "前往新页面",
        "section_label": "栏目", "published": "发布", "updated": "更新", "breadcrumb": "位置",
        "footer": "内容由编辑精选整理；英文译文由人工翻译。", "feed": "订阅",
        "search": "搜索", "search_site": "全站搜索", "search_label": "搜索文章", "search_button": "搜索",
        "search_intro": "在全部往期的中文文章中查找人名、地名和政策。",
        "search_all_sections": "全部栏目", "search_nojs": "搜索需要 JavaScript。您的浏览器未启用 JavaScript，"
        "请按以下方式浏览全部文章：", "search_empty": "请输入要查找的词语。", "search_loading": "正在搜索……",
        "search_found": "找到 {n} 篇文章。", "search_found_one": "找到 1 篇文章。", "search_partial": "已显示 {n} 篇文章，还有更多结果。",
        "search_none": "没有找到包含“{q}”的文章。", "search_more": "显示更多结果",
        "search_error": "搜索暂时无法使用。请按往期、栏目或标签浏览。", "search_edition": "{date}期",
        "view": "阅读方式", "view_bilingual": "中英对照", "name_zh": "中文", "name_en": "英文",
        "bilingual_title": "中英对照", "paragraph_link": "第 {n} 段", "pair_link": "本段对照链接（第 {n} 段）",
        "paragraph_in": "{language}版第 {n} 段", "original_column": "原文", "translation_column": "译文",
        "bilingual_intro": "原文与译文逐段对照。术语表中的词语标有另一种语言的译名。",
    },
    "en": {
        "skip": "Skip to content", "home": "Home", "editions": "Editions", "edition": "Edition",
        "sections": "Sections", "tags": "Tags", "archive": "Archive", "about": "About", "language": "Language",
        "latest": "Latest articles", "latest_edition": "Latest edition", "read_edition": "Read this edition",
        "all_editions": "All editions", "previous_edition": "Previous edition", "next_edition": "Next edition",
        "previous_article": "Previous article", "next_article": "Next article",
        "in_this_edition": "In this edition", "newer": "Newer", "older": "Older", "page_n": "Page {n}",
        "pagination": "Pages", "articles": "Articles", "minutes": "{n} min read", "articles_n": "{n} articles", "by": "By",
        "not_translated": "Not yet translated",
        "not_translated_long": "This article has no English version yet; the link leads to the original.",
        "switch_missing": "No {language} version of this article yet — go to the {language} edition",
        "switch_missing_home": "No {language} version of this page yet — go to the {language} home page",
        "translation_note": "Translation", "original_note": "Original",
        "machine_translation": "Machine translation, not yet reviewed", "pending_translation": "Translation pending",
        "translated_by": "Translated by {name}", "editor_headline": "Headline written by the editors",
        "source": "Source", "source_page": "page {page}", "no_articles": "No articles yet.",
        "tag_index_intro": "Browse every article by tag.", "archive_intro": "Browse past editions by month.",
        "not_found": "Page not found",
        "not_found_text": "The page you are looking for does not exist; it may have moved or been removed.",
        "choose_language": "Choose a language", "landing_intro": "Choose your language",
        "redirect": "This page has moved", "redirect_link": "Go to the new page",
        "section_label": "Section", "published": "Published", "updated": "Updated", "breadcrumb": "Breadcrumb",
        "footer": "Articles curated by our editors; English translations made by hand.", "feed": "Feed",
        "search": "Search", "search_site": "Site search", "search_label": "Search articles",
        "search_button": "Search", "search_intro": "Find names, places and policies in the English articles "
        "of every edition.", "search_all_sections": "All sections",
        "search_nojs": "Search needs JavaScript, which is turned off in your browser. You can still browse "
        "every article:", "search_empty": "Type a word to search for.", "search_loading": "Searching…",
        "search_found": "{n} articles found.", "search_found_one": "1 article found.", "search_partial": "Showing {n} articles; there are more.",
        "search_none": "No articles contain “{q}”.", "search_more": "Show more results",
        "search_error": "Search is not available right now. Browse by edition, section or tag instead.",
        "search_edition": "Edition of {date}",
        "view": "Reading view", "view_bilingual": "Side by side", "name_zh": "Chinese", "name_en": "English",
        "bilingual_title": "Chinese and English side by side", "paragraph_link": "Paragraph {n}",
        "pair_link": "Link to this pair (paragraph {n})", "paragraph_in": "{language} article, paragraph {n}",
        "original_column": "Original", "translation_column": "Translation",
        "bilingual_intro": "The original and its translation, paragraph by paragraph. Glossary terms show "
                           "their form in the other language.",
    },
}


@lru_cache(maxsize=None)
def strings(lang: str) -> dict:
    """Every UI string of a language, English filling any gap."""
    return {**STRINGS["en"], **STRINGS.get(lang, {})}


def ui(lang: str, key: str, **values) -> str:
    """A UI string in a language, with {placeholders} filled."""
    text = STRINGS.get(lang, STRINGS["en"]).get(key)
    if text is None:
        text = STRINGS["en"][key]
    return text.format(**values) if values else text


@lru_cache(maxsize=65536)
def long_date(value: dt.date, locale: str) -> str:
    """2020年12月21日 / December 21, 2020."""
    return format_date(value, "long", locale=locale)


@lru_cache(maxsize=4096)
def month_name(year: int, month: int, locale: str) -> str:
    """2020年12月 / December 2020."""
    return format_skeleton("yMMMM", dt.date(year, month, 1), locale=locale)
