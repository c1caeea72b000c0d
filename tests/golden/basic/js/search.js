// The search page: reads ?q= and ?section= from the address, asks the Pagefind index of the page's
// language (Pagefind's JavaScript API, pinned to 1.4.0, see README "Search") and draws the results
// in the site's own markup. The form submits to this same page, so every result list has an address.
//
// The index is made per period (a month of the newest year, a year before it: data-bundles, newest
// first), so that a new edition re-indexes only its own period. The newest period's bundle is loaded
// and the others are merged into it (Pagefind's mergeIndex: one WebAssembly module, results ranked
// together). Sorted by date (&sort=newest), the periods are searched one after the other, newest
// first, each in a Pagefind of its own: a merged search ranks by score and would lose the order.
//
// Chinese queries: Pagefind 1.4.0 looks the whole query up in the index and, when no indexed word
// starts with it, falls back to its longest indexed prefix (零跑腿办证 -> 零). So every result of a
// query with Chinese text is checked against the page's own text and dropped unless it holds each
// Chinese term, and its excerpt is cut around that term.

const output = document.getElementById("search-output");
const form = document.getElementById("search-form");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const strings = JSON.parse(document.getElementById("search-strings").textContent);
const root = output.dataset.root;
const locale = output.dataset.locale;
const PAGE = 10; // results drawn per step
const BUDGET = 100; // candidate pages checked per step, at most, for a Chinese query
const HAN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const dateFormat = new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });

/** Replace {name} placeholders of a UI string. */
function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

/** Text compared without case, width or spaces: a Chinese phrase may be split by a line in the source. */
function fold(text) {
  return text.normalize("NFKC").toLocaleLowerCase().replace(/\s+/g, "");
}

/** The Chinese (CJK) terms of a query, folded: each must be in a page for it to be a result. */
function hanTerms(query) {
  return query.replace(/"/g, " ").split(/\s+/).filter((term) => HAN.test(term)).map(fold);
}

/** A page's own text holds every Chinese term of the query. */
function holds(data, terms) {
  const text = fold(`${data.meta.title || ""} ${data.meta.kicker || ""} ${data.content || ""}`);
  return terms.every((term) => text.includes(term));
}

/** Pagefind's excerpt (text and <mark>) as DOM nodes, without trusting any other markup. */
function excerptNodes(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return Array.from(template.content.childNodes, (node) => {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      return mark;
    }
    return document.createTextNode(node.textContent);
  });
}

/** Pagefind joins a page's blocks with ". ": after a Chinese character that reads as a stray mark, so it becomes 。 */
const joinedHan = /([\u3400-\u9fff\uf900-\ufaff”」）])\. /g;

/** An excerpt cut around the first Chinese term in the page's text, the term marked; null if not found as is. */
function hanExcerpt(content, term) {
  content = content.replace(joinedHan, "$1。");
  const at = content.toLocaleLowerCase().indexOf(term);
  if (at < 0) return null;
  const start = Math.max(0, at - 40);
  const end = Math.min(content.length, at + term.length + 60);
  return [
    document.createTextNode((start > 0 ? "…" : "") + content.slice(start, at)),
    Object.assign(document.createElement("mark"), { textContent: content.slice(at, at + term.length) }),
    document.createTextNode(content.slice(at + term.length, end) + (end < content.length ? "…" : "")),
  ];
}

/** A date as the site prints it in this language (2020年12月21日, December 21, 2020). */
function showDate(iso) {
  const day = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(day.getTime()) ? iso : dateFormat.format(day);
}

/** A link to a site path that works wherever the site is served: relative to this page. */
function siteLink(url) {
  return root + url.replace(/^\//, "");
}

/** One result: kicker, headline (linked), date and edition, excerpt. */
function drawResult(data, terms) {
  const item = document.createElement("li");
  item.className = "item search-result";
  if (data.meta.kicker) {
    item.append(Object.assign(document.createElement("p"), { className: "kicker", textContent: data.meta.kicker }));
  }
  const heading = Object.assign(document.createElement("h2"), { className: "item-title" });
  heading.append(Object.assign(document.createElement("a"), { href: siteLink(data.url), textContent: data.meta.title }));
  item.append(heading);
  const meta = Object.assign(document.createElement("p"), { className: "meta" });
  if (data.meta.date) {
    meta.append(Object.assign(document.createElement("time"), { dateTime: data.meta.date, textContent: showDate(data.meta.date) }));
  }
  if (data.meta.edition) {
    const lang = output.dataset.lang;
    const edition = Object.assign(document.createElement("a"), {
      href: `${root}${lang}/editions/${data.meta.edition}/`,
      textContent: fill(strings.edition, { date: showDate(data.meta.edition) }),
    });
    meta.append(meta.childNodes.length ? " · " : "", edition);
  }
  item.append(meta);
  const excerpt = Object.assign(document.createElement("p"), { className: "summary" });
  excerpt.append(...((terms.length && hanExcerpt(data.content || "", terms[0])) || excerptNodes(data.excerpt)));
  item.append(excerpt);
  list.append(item);
}

/** The address of one period's bundle (absolute: an import is resolved against this script, not the page). */
function bundleUrl(bundle) {
  return new URL(`${root}pagefind/${bundle}/`, document.baseURI).href;
}

/** The Pagefind module of one period's bundle (each bundle's script is a module of its own). */
async function loadPagefind(bundle) {
  const pagefind = await import(`${bundleUrl(bundle)}pagefind.js`);
  await pagefind.options({ baseUrl: "/", excerptLength: 40 });
  return pagefind;
}

/** Run the search in the address, then draw results a step at a time. */
async function run() {
  const params = new URLSearchParams(window.location.search);
  const query = (params.get("q") || "").trim();
  const section = params.get("section") || "";
  form.elements.q.value = query;
  form.elements.section.value = form.elements.section.querySelector(`option[value="${CSS.escape(section)}"]`) ? section : "";
  if (!query) {
    status.textContent = strings.empty;
    return;
  }
  document.title = `${query} · ${document.title}`;
  status.textContent = strings.loading;
  const bundles = (output.dataset.bundles || "").split(" ").filter(Boolean);
  const options = { filters: section ? { section } : {} };
  let candidates;
  try {
    if (!bundles.length) throw new Error("no index");
    if (params.get("sort") === "newest") {
      options.sort = { date: "desc" };
      candidates = [];
      for (const bundle of bundles) { // periods are disjoint: newest first, each in date order
        const search = await (await loadPagefind(bundle)).search(query, options);
        candidates.push(...(search ? search.results : []));
      }
    } else {
      const pagefind = await loadPagefind(bundles[0]);
      for (const bundle of bundles.slice(1)) await pagefind.mergeIndex(bundleUrl(bundle), { baseUrl: "/", excerptLength: 40 });
      const search = await pagefind.search(query, options);
      candidates = search ? search.results : [];
    }
  } catch (error) {
    status.textContent = strings.error;
    return;
  }
  const terms = hanTerms(query);
  let next = 0;
  let shown = 0;

  async function step() {
    more.hidden = true;
    let checked = 0;
    let drawn = 0;
    while (drawn < PAGE && next < candidates.length && (terms.length === 0 || checked < BUDGET)) {
      const batch = candidates.slice(next, next + (terms.length ? Math.min(PAGE, BUDGET - checked) : PAGE - drawn));
      next += batch.length;
      checked += batch.length;
      for (const data of await Promise.all(batch.map((result) => result.data()))) {
        if (terms.length === 0 || holds(data, terms)) {
          drawResult(data, terms);
          drawn += 1;
        }
      }
    }
    shown += drawn;
    const done = next >= candidates.length;
    if (terms.length === 0 && candidates.length) {
      status.textContent = fill(candidates.length === 1 ? strings.found_one : strings.found, { n: candidates.length }); // no result is dropped: the count is known
    } else if (done) {
      status.textContent = shown ? fill(shown === 1 ? strings.found_one : strings.found, { n: shown })
        : fill(strings.none, { q: query });
    } else {
      status.textContent = fill(strings.partial, { n: shown });
    }
    more.hidden = done;
  }

  more.addEventListener("click", async () => {
    const first = list.children.length;
    await step();
    const link = list.children[first] && list.children[first].querySelector("a");
    if (link) link.focus(); // keyboard users continue where the new results start
  });
  await step();
}

run().catch(() => {
  status.textContent = strings.error;
});
