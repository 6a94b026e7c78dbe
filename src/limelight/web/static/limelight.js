/*
 * limelight's dashboard: fills a page's figures and lists from the JSON API (/api/...), with Apache
 * ECharts for the charts (vendor/echarts, loaded before this file).
 *
 * The server renders the frame; what a page is about is in the data-* attributes of <main id="page">
 * (no inline scripts: the Content-Security-Policy allows scripts from this server only). Titles,
 * texts, entity names and URLs are untrusted: they enter the page as text nodes (textContent), never
 * as HTML, links only ever point at http(s) addresses or at this server, and chart tooltips are drawn
 * on the canvas (renderMode "richText"), not as HTML.
 *
 * The filters are the page's query string; each request sends those its endpoint takes (read from
 * /openapi.json) and says which ones did not apply. Every chart has a table view and PNG, SVG and
 * CSV downloads.
 */
(function () {
  "use strict";

  const main = document.getElementById("page");
  if (!main) return;
  const PAGE = main.dataset;
  const KEPT = ["since", "until", "language", "source", "role", "platform", "kind", "by", "timezone"];
  const FILTER_LABELS = {since: "from", until: "to", language: "language", source: "source", role: "role",
                         platform: "platform", kind: "kind", timezone: "time zone"};
  const QUERY = new URLSearchParams(location.search);
  const TOKEN = QUERY.get("token");
  const FONT = "'Noto Sans', 'Noto Sans CJK SC', 'Noto Sans CJK JP', 'Noto Sans CJK KR', system-ui, sans-serif";
  const NUMBER = new Intl.NumberFormat("en");

  // -- the DOM, safely ------------------------------------------------------------------------------

  /** An element with text children only; `href` is kept only when safeHref allows it. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key === "href") {
        const safe = safeHref(value);
        if (safe !== null) node.setAttribute("href", safe);
      } else node.setAttribute(key, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));  // a string becomes a text node
    }
    return node;
  }

  /** A link target we allow: this server's own paths, or an http(s) address; null for anything else
   * (javascript:, data:, vbscript:, protocol-relative //host ...). */
  function safeHref(url) {
    if (typeof url !== "string") return null;
    const text = url.trim();
    if (/^\/(?!\/)/.test(text) || /^[?#]/.test(text)) return text;
    if (!/^https?:\/\//i.test(text) || /[\u0000-\u0020\u007f]/.test(text)) return null;
    try {
      const parsed = new URL(text);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (err) {
      return null;
    }
  }

  /** `text` with the [start, end) ranges wrapped in <mark>, as text nodes. */
  function highlighted(text, ranges, markClass) {
    const out = document.createDocumentFragment();
    const value = String(text || "");
    let pos = 0;
    const sorted = (ranges || []).map((r) => [Number(r[0]), Number(r[1])])
      .filter((r) => r[0] >= 0 && r[1] > r[0] && r[1] <= value.length).sort((a, b) => a[0] - b[0]);
    for (const [start, end] of sorted) {
      if (start < pos) continue;
      if (start > pos) out.append(value.slice(pos, start));
      out.append(el("mark", {class: markClass || null}, value.slice(start, end)));
      pos = end;
    }
    if (pos < value.length) out.append(value.slice(pos));
    return out;
  }

  /** Where `surface` stands in `sentence` (exactly, else ignoring case), as ranges for highlighted(). */
  function findSurface(sentence, surface) {
    if (!sentence || !surface) return [];
    let at = sentence.indexOf(surface);
    if (at < 0) at = sentence.toLocaleLowerCase().indexOf(String(surface).toLocaleLowerCase());
    return at < 0 ? [] : [[at, at + surface.length]];
  }

  function plural(n, one, many) {
    return NUMBER.format(n) + " " + (n === 1 ? one : many);
  }

  /** The start of `text`, cut at a word near `n` characters with "…". */
  function shorten(text, n) {
    const value = String(text || "").trim();
    if (value.length <= n) return value;
    const cut = value.slice(0, n);
    const space = cut.lastIndexOf(" ");
    return (space > n / 2 ? cut.slice(0, space) : cut) + "…";
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // -- formatting --------------------------------------------------------------------------------

  const fmt = {
    int: (v) => (v === null || v === undefined ? "" : NUMBER.format(v)),
    num: (v, digits) => (v === null || v === undefined || Number.isNaN(v) ? "" : Number(v).toFixed(digits === undefined ? 2 : digits)),
    pct: (v) => (v === null || v === undefined ? "" : (100 * v).toFixed(1) + "%"),
    change: (v) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : (v > 0 ? "+" : "") + (100 * v).toFixed(0) + "%"),
    // Times come from the API already in the page's time zone (stated at the top): shown as written,
    // never converted into the browser's zone.
    time: (v) => (v ? String(v).slice(0, 16).replace("T", " ") : "no date"),
    day: (v) => (v ? String(v).slice(0, 10) : ""),
    p: (v) => (v === null || v === undefined ? "" : v < 0.001 ? "< 0.001" : Number(v).toFixed(3)),
  };

  // -- URLs and the API --------------------------------------------------------------------------

  /** The filters of this page's URL (those every page keeps). */
  function pageFilters() {
    const out = {};
    for (const name of KEPT) {
      const values = QUERY.getAll(name).filter((v) => v.trim() !== "");
      if (values.length) out[name] = values.join(",");
    }
    if (!out.by) out.by = PAGE.by || "week";
    return out;
  }

  /** A link to another page of the dashboard with this page's filters (and `extra`). */
  function pageHref(path, extra) {
    const params = new URLSearchParams();
    const filters = pageFilters();
    if (filters.by === "week" && !QUERY.get("by")) delete filters.by;
    for (const [key, value] of Object.entries(Object.assign(filters, extra || {}))) {
      if (value !== null && value !== undefined && value !== "") params.set(key, value);
    }
    if (TOKEN) params.set("token", TOKEN);
    const qs = params.toString();
    return path + (qs ? "?" + qs : "");
  }

  function segment(value) {
    return encodeURIComponent(String(value));
  }

  let schemaPromise = null;

  /** The query parameters the endpoint at `path` (an OpenAPI path) takes; null when unknown. */
  async function accepted(path) {
    if (!schemaPromise) {
      schemaPromise = fetch("/openapi.json" + (TOKEN ? "?token=" + encodeURIComponent(TOKEN) : ""),
        {headers: {Accept: "application/json"}}).then((r) => (r.ok ? r.json() : null)).catch(() => null);
    }
    const schema = await schemaPromise;
    const operation = schema && schema.paths && schema.paths[path] && schema.paths[path].get;
    if (!operation) return null;
    return new Set((operation.parameters || []).filter((p) => p.in === "query").map((p) => p.name));
  }

  /** The URL of an API request: the page's filters its endpoint takes, then `params` (which win),
   * and the names of the page's filters the endpoint does not take. */
  async function apiURL(path, params, schemaPath) {
    const takes = await accepted(schemaPath || path);
    const filters = pageFilters();
    const own = params || {};
    const sent = new URLSearchParams();
    const skipped = [];
    for (const [key, value] of Object.entries(Object.assign({}, filters, own))) {
      if (value === null || value === undefined || value === "") continue;
      if (takes && !takes.has(key)) {
        if (!(key in own) && key !== "by" && key in filters) skipped.push(key);
        continue;
      }
      sent.set(key, value);
    }
    if (TOKEN) sent.set("token", TOKEN);
    const qs = sent.toString();
    return {url: path + (qs ? "?" + qs : ""), skipped: skipped};
  }

  class ApiError extends Error {}

  /** GET an API endpoint as JSON; a 4xx/5xx is an ApiError with the API's message and allowed values. */
  async function getJSON(path, params, schemaPath) {
    const {url, skipped} = await apiURL(path, params, schemaPath);
    const response = await fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"});
    let body = null;
    try {
      body = await response.json();
    } catch (err) {
      body = null;
    }
    if (!response.ok) {
      let message = (body && body.error) || "the request failed (" + response.status + ")";
      if (body && body.allowed && body.allowed.length) message += " (allowed: " + body.allowed.join(", ") + ")";
      if (body && body.hint) message += ". " + body.hint;
      throw new ApiError(message);
    }
    body.skipped = skipped;
    body.url = url;
    return body;
  }

  function skippedNote(skipped) {
    if (!skipped || !skipped.length) return null;
    return "Not filtered by " + skipped.map((k) => FILTER_LABELS[k] || k).join(", ") + ": this chart's endpoint does not take it.";
  }

  let entityNames = null;

  /** id → name of every watched entity (from /api/entities, once). */
  function names() {
    if (!entityNames) {
      entityNames = getJSON("/api/entities", {since: null, until: null, language: null, source: null, role: null,
                                              platform: null, kind: null})
        .then((body) => new Map(body.rows.map((r) => [r.id, r.name])))
        .catch(() => new Map());
    }
    return entityNames;
  }

  // -- downloads ---------------------------------------------------------------------------------

  function download(href, filename) {
    const link = document.createElement("a");
    link.href = href;  // a data: or blob: URL made here, never one from the data
    link.download = filename;
    link.rel = "noopener";
    document.body.append(link);
    link.click();
    link.remove();
  }

  /** CSV of columns × rows; a cell that a spreadsheet would read as a formula is prefixed with '. */
  function toCSV(columns, rows) {
    const cell = (value) => {
      let text = value === null || value === undefined ? "" : String(value);
      if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
      return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
    };
    const lines = [columns.map((c) => cell(c.label)).join(",")];
    for (const row of rows) lines.push(columns.map((c) => cell(c.csv ? c.csv(row) : row[c.key])).join(","));
    return lines.join("\r\n") + "\r\n";
  }

  function downloadCSV(columns, rows, name) {
    const blob = new Blob(["\ufeff" + toCSV(columns, rows)], {type: "text/csv;charset=utf-8"});
    const url = URL.createObjectURL(blob);
    download(url, name + ".csv");
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // -- tables ------------------------------------------------------------------------------------

  /** A <table> of `rows`; each column {key, label, cell(row) → text or Node, num}. */
  function table(columns, rows, caption) {
    const head = el("tr", null, ...columns.map((c) => el("th", {scope: "col", class: c.num ? "num" : null}, c.label)));
    const body = el("tbody");
    for (const row of rows) {
      body.append(el("tr", null, ...columns.map((c) => {
        const value = c.cell ? c.cell(row) : row[c.key];
        return el("td", {class: c.num ? "num" : null, lang: c.lang ? c.lang(row) || null : null},
          value === null || value === undefined ? "" : value);
      })));
    }
    return el("table", {class: "rows"}, caption ? el("caption", null, caption) : null, el("thead", null, head), body);
  }

  // -- figures: a chart, its table, its downloads -------------------------------------------------

  const figures = [];

  class Figure {
    constructor(section) {
      this.section = section;
      this.id = section.id;
      this.chartBox = section.querySelector("[data-role=chart]");
      this.tableBox = section.querySelector("[data-role=table]");
      this.status = section.querySelector("[data-role=status]");
      this.notes = section.querySelector("[data-role=notes]");
      this.chart = null;
      this.build = null;
      this.columns = [];
      this.rows = [];
      for (const button of section.querySelectorAll("[data-action]")) {
        button.addEventListener("click", () => this.act(button.dataset.action));
      }
      figures.push(this);
    }

    act(action) {
      if (action === "chart" || action === "table") {
        const showTable = action === "table";
        this.tableBox.hidden = !showTable;
        this.chartBox.hidden = showTable;
        for (const b of this.section.querySelectorAll("[data-action=chart],[data-action=table]")) {
          b.setAttribute("aria-pressed", String(b.dataset.action === action));
        }
        if (!showTable && this.chart) this.chart.resize();
      } else if (action === "png" && this.chart) {
        download(this.chart.getDataURL({type: "png", pixelRatio: 2, backgroundColor: "#ffffff"}), this.id + ".png");
      } else if (action === "svg" && this.build) {
        const width = this.chartBox.clientWidth || 900;
        const height = this.chartBox.clientHeight || 380;
        const svgChart = echarts.init(null, null, {renderer: "svg", ssr: true, width: width, height: height});
        svgChart.setOption(Object.assign(this.build(), {animation: false, backgroundColor: "#ffffff"}));
        const blob = new Blob([svgChart.renderToSVGString()], {type: "image/svg+xml"});
        svgChart.dispose();
        const url = URL.createObjectURL(blob);
        download(url, this.id + ".svg");
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      } else if (action === "csv") {
        downloadCSV(this.columns, this.rows, this.id);
      }
    }

    /** Draw: `build()` gives the ECharts option (called again for the SVG download), `columns` and
     * `rows` the table view; `notes` are shown under the chart. */
    show(build, columns, rows, notes) {
      this.build = build;
      this.columns = columns;
      this.rows = rows;
      clear(this.tableBox);
      this.tableBox.append(table(columns, rows));
      this.setNotes(notes);
      if (!rows.length) {
        this.status.textContent = "No data for these filters.";
        this.section.dataset.state = "empty";
        if (this.chart) this.chart.clear();
        return;
      }
      this.status.textContent = "";
      if (!this.chart) this.chart = echarts.init(this.chartBox, null, {renderer: "canvas"});
      this.chart.setOption(build(), true);
      this.section.dataset.state = "ready";
    }

    setNotes(notes) {
      clear(this.notes);
      for (const note of (notes || []).filter(Boolean)) this.notes.append(el("li", null, note));
    }

    fail(error) {
      this.status.textContent = "Could not load: " + (error && error.message ? error.message : String(error));
      this.status.classList.add("error");
      this.section.dataset.state = "error";
      if (!(error instanceof ApiError)) console.warn(error);  // eslint-disable-line no-console
    }
  }

  function figure(id) {
    const section = document.getElementById(id);
    return section ? new Figure(section) : null;
  }

  /** A list section (rows from a list endpoint, paged by `next`). */
  class Listing {
    constructor(id) {
      this.section = document.getElementById(id);
      this.status = this.section.querySelector("[data-role=status]");
      this.rowsBox = this.section.querySelector("[data-role=rows]");
      this.notes = this.section.querySelector("[data-role=notes]");
      this.more = this.section.querySelector("[data-action=more]");
    }

    setNotes(notes) {
      if (!this.notes) return;
      clear(this.notes);
      for (const note of (notes || []).filter(Boolean)) this.notes.append(el("li", null, note));
    }

    done(text) {
      this.status.textContent = text || "";
      this.section.dataset.state = "ready";
    }

    fail(error) {
      this.status.textContent = "Could not load: " + (error && error.message ? error.message : String(error));
      this.status.classList.add("error");
      this.section.dataset.state = "error";
      if (!(error instanceof ApiError)) console.warn(error);  // eslint-disable-line no-console
    }
  }

  /** Page through a list endpoint into a listing: dated rows in one table, rows without a date in a
   * table of their own after it (the API lists them last; they are never put on a day). */
  function pagedList(listing, path, params, columns, what) {
    const dated = el("div", {class: "dated"});
    const undated = el("div", {class: "undated-rows", hidden: "hidden"});
    const undatedHead = el("h3", null, what + " without a date");
    const undatedHelp = el("p", {class: "help"}, "No trustworthy publication date: counted in no period, never put on a day.");
    undated.append(undatedHead, undatedHelp);
    listing.rowsBox.append(dated, undated);
    let datedTable = null;
    let undatedTable = null;
    let seen = 0;
    const load = async (cursor) => {
      listing.more.hidden = true;
      const body = await getJSON(path, Object.assign({}, params, cursor ? {next: cursor} : {}));
      const withDate = body.rows.filter((r) => r.published_at);
      const without = body.rows.filter((r) => !r.published_at);
      if (withDate.length) {
        const t = table(columns, withDate);
        if (!datedTable) {
          datedTable = t;
          dated.append(t);
        } else datedTable.tBodies[0].append(...t.tBodies[0].rows);
      }
      if (without.length) {
        undated.hidden = false;
        const t = table(columns, without);
        if (!undatedTable) {
          undatedTable = t;
          undated.append(t);
        } else undatedTable.tBodies[0].append(...t.tBodies[0].rows);
      }
      seen += body.rows.length;
      const undatedCount = body.undated || 0;
      listing.done(fmt.int(body.total) + " " + what.toLowerCase() + " with these filters" +
        (undatedCount ? ", " + fmt.int(undatedCount) + " of them without a date (listed last, apart)" : "") +
        "; showing " + fmt.int(seen) + ".");
      listing.setNotes([...body.notes, skippedNote(body.skipped)]);
      if (body.next) {
        listing.more.hidden = false;
        listing.nextCursor = body.next;
      }
      return body;
    };
    listing.more.addEventListener("click", () => {
      load(listing.nextCursor).catch((err) => listing.fail(err));
    });
    return load(null);
  }

  // -- chart options -----------------------------------------------------------------------------

  function baseOption(extra) {
    return Object.assign({
      animation: false,
      textStyle: {fontFamily: FONT},
      // Tooltips drawn on the canvas: no HTML from the data, no inline styles.
      tooltip: {trigger: "axis", renderMode: "richText", confine: true},
      legend: {type: "scroll", top: 0},
      grid: {left: 56, right: 24, top: 40, bottom: 56, containLabel: false},
      dataZoom: [{type: "inside"}, {type: "slider", height: 18, bottom: 8}],
    }, extra);
  }

  function periodsOf(rows) {
    return [...new Set(rows.map((r) => r.period))].sort();
  }

  /** Series per key over the periods: `value(row)` summed per (period, key). */
  function seriesBy(rows, periods, keyOf, value) {
    const index = new Map(periods.map((p, i) => [p, i]));
    const series = new Map();
    for (const row of rows) {
      const key = keyOf(row);
      if (!series.has(key)) series.set(key, periods.map(() => null));
      const data = series.get(key);
      const v = value(row);
      const i = index.get(row.period);
      if (v !== null && v !== undefined) data[i] = (data[i] || 0) + v;
    }
    return series;
  }

  /** The period (of sorted `periods`) that holds `day`: the last one starting on or before it. */
  function periodOf(periods, day) {
    let found = null;
    for (const p of periods) if (p <= day) found = p;
    return found;
  }

  function undatedNote(body, what) {
    const n = body.undated_documents;
    // the API's own notes often say it already; one note is enough
    if (!n || (body.notes || []).some((note) => /without a date/.test(note))) return null;
    return fmt.int(n) + " document" + (n === 1 ? "" : "s") + " in scope " + (n === 1 ? "has" : "have") +
      " no date: in no period of " + (what || "this chart") + " (listed apart on the documents page).";
  }

  // -- pages -------------------------------------------------------------------------------------

  const pages = {};

  pages.overview = async function () {
    const listing = new Listing("entities");
    const volume = figure("volume");
    const toneFig = figure("tone-all");
    const filters = pageFilters();
    const by = filters.by;
    const ranged = Boolean(filters.since && filters.until);
    const requests = [getJSON("/api/entities"), getJSON("/api/visibility", {by: by}), getJSON("/api/tone", {by: by}),
                      getJSON("/api/alerts", {status: "open", limit: 500}).catch(() => ({rows: []})), getJSON("/api/documents", {limit: 1})];
    if (ranged) requests.push(getJSON("/api/entities", previousRange(filters.since, filters.until)));
    let results;
    try {
      results = await Promise.all(requests);
    } catch (err) {
      listing.fail(err);
      volume.fail(err);
      toneFig.fail(err);
      undatedStatus(err);
      return;
    }
    const [entities, visibility, tone, alerts, docs, before] = results;
    const help = listing.section.querySelector("[data-role=change-help]");

    // change against the period before: the range before a chosen range, else the last period with data
    const change = new Map();
    if (ranged) {
      const prev = new Map(before.rows.map((r) => [r.id, r.documents]));
      const range = previousRange(filters.since, filters.until);
      help.textContent = "Change: documents in the chosen range against the " + range.days + " days before (" +
        range.since + " to " + range.until + ").";
      for (const r of entities.rows) {
        const p = prev.get(r.id);
        change.set(r.id, p ? r.documents / p - 1 : null);
      }
    } else {
      // the last period the collection has gone past (a document dated on or after its last day),
      // so that a week just begun does not read as a drop
      const newest = docs.rows.length && docs.rows[0].published_at ? fmt.day(docs.rows[0].published_at) : null;
      const periods = periodsOf(visibility.rows).filter((p) => newest && addDays(nextPeriod(p, by), -1) <= newest);
      const last = periods[periods.length - 1];
      const prior = last ? previousPeriod(last, by) : null;
      help.textContent = last
        ? "Change: mentions in the last complete " + by + " (from " + last + ") against the " + by + " before (from " +
          prior + "). Choose a date range to compare it with the one before."
        : "Change: no complete " + by + " with dated mentions yet.";
      for (const r of entities.rows) {
        const now = visibility.rows.find((v) => v.entity_id === r.id && v.period === last);
        const then = visibility.rows.find((v) => v.entity_id === r.id && v.period === prior);
        const a = now ? now.mentions : 0;
        const b = then ? then.mentions : 0;
        change.set(r.id, b ? a / b - 1 : null);
      }
    }
    const meanTone = new Map();
    for (const r of entities.rows) {
      let sum = 0;
      let n = 0;
      for (const t of tone.rows) {
        if (t.entity_id === r.id && t.mean_tone !== null && t.mean_tone !== undefined) {
          sum += t.mean_tone * t.mentions;
          n += t.mentions;
        }
      }
      meanTone.set(r.id, n ? sum / n : null);
    }
    const open = new Map();
    for (const a of alerts.rows || []) {
      if (a.status && a.status !== "open") continue;
      open.set(a.entity_id, (open.get(a.entity_id) || 0) + 1);
    }
    const columns = [
      {key: "name", label: "Entity", cell: (r) => el("a", {href: pageHref("/entity/" + segment(r.id))}, r.name),
       csv: (r) => r.name},
      {key: "kind", label: "Kind"},
      {key: "documents", label: "Documents", num: true, cell: (r) => fmt.int(r.documents)},
      {key: "mentions", label: "Mentions", num: true, cell: (r) => fmt.int(r.mentions)},
      {key: "change", label: "Change", num: true, cell: (r) => fmt.change(change.get(r.id)), csv: (r) => change.get(r.id)},
      {key: "tone", label: "Mean tone", num: true, cell: (r) => fmt.num(meanTone.get(r.id)), csv: (r) => meanTone.get(r.id)},
      {key: "alerts", label: "Open alerts", num: true, cell: (r) => fmt.int(open.get(r.id) || 0), csv: (r) => open.get(r.id) || 0},
      {key: "undated_documents", label: "Without a date", num: true, cell: (r) => fmt.int(r.undated_documents)},
    ];
    clear(listing.rowsBox);
    listing.rowsBox.append(table(columns, entities.rows));
    const csvButton = listing.section.querySelector("[data-action=csv]");
    csvButton.addEventListener("click", () => downloadCSV(columns, entities.rows, "entities"));
    listing.done(entities.rows.length ? "" : "The watchlist is empty: add entities to watchlist.toml.");
    listing.setNotes([...entities.notes, skippedNote(entities.skipped)]);

    lineFigure(volume, visibility, "mentions", "Mentions", fmt.int);
    lineFigure(toneFig, tone, "mean_tone", "Mean tone", fmt.num, {min: -1, max: 1});
    undatedStatus(null, docs);
  };

  function undatedStatus(err, docs) {
    const status = document.querySelector("#undated [data-role=status]");
    if (!status) return;
    if (err) {
      status.textContent = "Could not load: " + err.message;
      return;
    }
    status.textContent = fmt.int(docs.undated) + " of the " + fmt.int(docs.total) +
      " documents with these filters have no trustworthy date: they are counted here, in no period of any chart.";
    status.dataset.undated = String(docs.undated);
  }

  /** One line per entity of `body.rows` (period, entity_id, entity_name, `key`). */
  function lineFigure(fig, body, key, label, format, yAxis) {
    const rows = body.rows;
    const periods = periodsOf(rows);
    const series = seriesBy(rows, periods, (r) => r.entity_name || r.entity_id, (r) => r[key]);
    const build = () => baseOption({
      xAxis: {type: "category", data: periods},
      yAxis: Object.assign({type: "value", name: label}, yAxis || {}),
      series: [...series].map(([name, data]) => ({name: name, type: "line", data: data, connectNulls: false,
                                                   showSymbol: periods.length < 60})),
    });
    const columns = [{key: "period", label: "Period"}, {key: "entity_name", label: "Entity"},
                     {key: key, label: label, num: true, cell: (r) => format(r[key])}];
    fig.show(build, columns, rows, [...body.notes, undatedNote(body), skippedNote(body.skipped)]);
  }

  function addDays(day, n) {
    const d = new Date(day + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function previousRange(since, until) {
    const days = Math.round((Date.parse(until + "T00:00:00Z") - Date.parse(since + "T00:00:00Z")) / 86400000) + 1;
    return {since: addDays(since, -days), until: addDays(since, -1), days: days};
  }

  function nextPeriod(period, by) {
    if (by === "day") return addDays(period, 1);
    if (by === "week") return addDays(period, 7);
    const d = new Date(period + "T00:00:00Z");
    d.setUTCMonth(d.getUTCMonth() + 1);
    return d.toISOString().slice(0, 10);
  }

  function previousPeriod(period, by) {
    if (by === "day") return addDays(period, -1);
    if (by === "week") return addDays(period, -7);
    const d = new Date(period + "T00:00:00Z");
    d.setUTCMonth(d.getUTCMonth() - 1);
    return d.toISOString().slice(0, 10);
  }

  pages.entity = async function () {
    const id = PAGE.entity;
    const by = pageFilters().by;
    const jobs = [entityVisibility(id, by), entityShare(PAGE.shareEntity, by), entityTone(id, by),
                  mentionList(id)];
    await Promise.allSettled(jobs);
  };

  async function entityVisibility(id, by) {
    const fig = figure("visibility");
    try {
      const body = await getJSON("/api/visibility", {entity: id, by: by});
      const roles = (PAGE.roles || "").split(",").filter((role) => body.rows.some((r) => r[role]));
      const periods = periodsOf(body.rows);
      const build = () => baseOption({
        xAxis: {type: "category", data: periods, boundaryGap: false},
        yAxis: {type: "value", name: "Mentions"},
        series: roles.map((role) => ({
          name: role, type: "line", stack: "roles", areaStyle: {}, showSymbol: false,
          data: periods.map((p) => {
            const row = body.rows.find((r) => r.period === p);
            return row ? row[role] : 0;
          }),
        })),
      });
      const columns = [{key: "period", label: "Period"},
                       ...roles.map((role) => ({key: role, label: role, num: true, cell: (r) => fmt.int(r[role])})),
                       {key: "mentions", label: "Mentions", num: true, cell: (r) => fmt.int(r.mentions)},
                       {key: "documents", label: "Documents", num: true, cell: (r) => fmt.int(r.documents)}];
      fig.show(build, columns, body.rows, [...body.notes, undatedNote(body), skippedNote(body.skipped)]);
    } catch (err) {
      fig.fail(err);
    }
  }

  async function entityShare(focal, by) {
    const fig = figure("share");
    if (!focal) {
      fig.show(() => baseOption({}), [{key: "period", label: "Period"}], [],
               ["No share of voice: the entity has no parent, children or competitors in the watchlist."]);
      return;
    }
    try {
      const [body, known] = await Promise.all([getJSON("/api/share_of_voice", {entity: focal, by: by}), names()]);
      const rows = body.rows.filter((r) => r.organisation === focal);
      const periods = periodsOf(rows);
      const groupName = (g) => (g === "children" ? "family" : g);
      const keyOf = (r) => groupName(r.group) + ": " + (known.get(r.entity_id) || r.entity_id);
      const series = seriesBy(rows, periods, keyOf, (r) => r.article_share);
      const stackOf = new Map(rows.map((r) => [keyOf(r), r.group]));
      const build = () => baseOption({
        xAxis: {type: "category", data: periods, boundaryGap: false},
        yAxis: {type: "value", name: "Share of articles", min: 0, max: (v) => Math.max(1, v.max)},
        series: [...series].map(([name, data]) => ({name: name, type: "line", stack: stackOf.get(name), areaStyle: {},
                                                     showSymbol: false, data: data})),
      });
      const columns = [{key: "period", label: "Period"}, {key: "group", label: "Group", cell: (r) => groupName(r.group)},
                       {key: "entity_id", label: "Entity", cell: (r) => known.get(r.entity_id) || r.entity_id},
                       {key: "articles", label: "Articles", num: true, cell: (r) => fmt.int(r.articles)},
                       {key: "article_share", label: "Share of articles", num: true, cell: (r) => fmt.pct(r.article_share)},
                       {key: "stories", label: "Stories", num: true, cell: (r) => fmt.int(r.stories)},
                       {key: "story_share", label: "Share of stories", num: true, cell: (r) => fmt.pct(r.story_share)}];
      const notes = [...body.notes, undatedNote(body), skippedNote(body.skipped)];
      if (focal !== PAGE.entity) notes.unshift("Shares within the family of " + (known.get(focal) || focal) + ".");
      fig.show(build, columns, rows, notes);
    } catch (err) {
      fig.fail(err);
    }
  }

  async function entityTone(id, by) {
    const fig = figure("tone");
    const list = new Listing("storms");
    let tone;
    let storms;
    try {
      [tone, storms] = await Promise.all([getJSON("/api/tone", {entity: id, by: by}), getJSON("/api/storms", {entity: id})]);
    } catch (err) {
      fig.fail(err);
      list.fail(err);
      return;
    }
    const periods = periodsOf(tone.rows);
    const areas = [];
    const unplaced = [];
    for (const s of storms.rows) {
      const from = periodOf(periods, fmt.day(s.onset));
      const to = periodOf(periods, fmt.day(s.end));
      if (from === null || to === null) unplaced.push(s);
      else areas.push([{name: s.signal === "volume" ? "storm" : "negative storm", xAxis: from}, {xAxis: to}]);
    }
    const build = () => baseOption({
      xAxis: {type: "category", data: periods, boundaryGap: false},
      yAxis: [{type: "value", name: "Mean tone", min: -1, max: 1}, {type: "value", name: "Negative share", min: 0, max: 1}],
      series: [
        {name: "mean tone", type: "line", showSymbol: false, data: periods.map((p) => value(tone.rows, p, "mean_tone")),
         markArea: {silent: true, itemStyle: {color: "rgba(220, 60, 60, 0.15)"}, label: {position: "insideTop"}, data: areas}},
        {name: "negative share", type: "line", yAxisIndex: 1, showSymbol: false, lineStyle: {type: "dashed"},
         data: periods.map((p) => value(tone.rows, p, "negative_share"))},
      ],
    });
    const columns = [{key: "period", label: "Period"},
                     {key: "mentions", label: "Scored mentions", num: true, cell: (r) => fmt.int(r.mentions)},
                     {key: "mean_tone", label: "Mean tone", num: true, cell: (r) => fmt.num(r.mean_tone)},
                     {key: "negative_share", label: "Negative", num: true, cell: (r) => fmt.pct(r.negative_share)},
                     {key: "neutral_share", label: "Neutral", num: true, cell: (r) => fmt.pct(r.neutral_share)},
                     {key: "positive_share", label: "Positive", num: true, cell: (r) => fmt.pct(r.positive_share)}];
    const notes = [...tone.notes, undatedNote(tone), skippedNote(tone.skipped)];
    if (storms.rows.length) notes.push(fmt.int(storms.rows.length) + " storm" + (storms.rows.length === 1 ? "" : "s") + " shaded.");
    if (unplaced.length) notes.push(unplaced.length + " storm(s) fall outside the periods with tone and are listed below only.");
    fig.show(build, columns, tone.rows, notes);

    const stormColumns = [
      {key: "signal", label: "Signal"}, {key: "onset", label: "From", cell: (r) => fmt.day(r.onset)},
      {key: "peak", label: "Peak", cell: (r) => fmt.day(r.peak)}, {key: "end", label: "To", cell: (r) => fmt.day(r.end)},
      {key: "documents", label: "Documents", num: true, cell: (r) => fmt.int(r.documents)},
      {key: "peak_negative_share", label: "Peak negative share", num: true, cell: (r) => fmt.pct(r.peak_negative_share)},
      {key: "top_stories", label: "Stories driving it", cell: (r) => storyList(r)},
    ];
    clear(list.rowsBox);
    if (storms.rows.length) list.rowsBox.append(table(stormColumns, storms.rows));
    list.done(storms.rows.length ? "" : "No storm in this range.");
    list.setNotes([...storms.notes, skippedNote(storms.skipped)]);
  }

  function value(rows, period, key) {
    const row = rows.find((r) => r.period === period);
    return row && row[key] !== undefined ? row[key] : null;
  }

  function storyList(storm) {
    const list = el("ol", {class: "stories"});
    (storm.top_stories || []).forEach((title, i) => {
      const doc = (storm.evidence || [])[i];
      const n = (storm.story_documents || [])[i];
      list.append(el("li", null, doc ? el("a", {href: pageHref("/document/" + segment(doc))}, title || doc) : title,
                     n ? " (" + fmt.int(n) + " document" + (n === 1 ? "" : "s") + ")" : ""));
    });
    return list;
  }

  function sourceCell(r) {
    const label = (r.platform || "") + "/" + (r.handle || "");
    const link = safeHref(r.url || "");
    return link ? el("a", {href: link, rel: "noopener noreferrer nofollow", target: "_blank"}, label) : label;
  }

  function mentionList(id) {
    const listing = new Listing("mentions");
    const columns = [
      {key: "published_at", label: "Published", cell: (r) => fmt.time(r.published_at)},
      {key: "source", label: "Source", cell: sourceCell, csv: (r) => r.platform + "/" + r.handle},
      {key: "role", label: "Role"},
      {key: "sentence", label: "Sentence", lang: (r) => r.language,
       cell: (r) => el("span", null, highlighted(r.sentence, findSurface(r.sentence, r.surface), "alias"))},
      {key: "document", label: "Document", cell: (r) => el("a", {href: pageHref("/document/" + segment(r.document_id))},
                                                            r.title || "(untitled " + (r.kind || "document") + ")")},
    ];
    return pagedList(listing, "/api/mentions", {entity: id, limit: 25}, columns, "Mentions").catch((err) => listing.fail(err));
  }

  pages.account = async function () {
    const {entity, platform, handle} = PAGE;
    const same = (r) => String(r.platform).toLowerCase() === platform.toLowerCase() &&
      String(r.handle).toLowerCase() === handle.toLowerCase();
    const cadence = figure("cadence");
    const silence = new Listing("silence");
    const originality = figure("originality");
    const copies = new Listing("copies");
    const by = pageFilters().by;
    await Promise.allSettled([
      getJSON("/api/withdrawal", {entity: entity}).then((body) => {
        const rows = body.rows.filter(same);
        drawCadence(cadence, body, rows.filter((r) => r.row === "cadence"));
        drawSilence(silence, body, rows.filter((r) => r.row === "silence"));
      }).catch((err) => {
        cadence.fail(err);
        silence.fail(err);
      }),
      getJSON("/api/copies", {account: handle, by: by}).then((body) => {
        const rows = body.rows.filter(same);
        drawOriginality(originality, body, rows);
        return drawCopies(copies, rows);
      }).catch((err) => {
        originality.fail(err);
        copies.fail(err);
      }),
    ]);
  };

  function drawCadence(fig, body, rows) {
    const types = [...new Set(rows.map((r) => r.content_type))];
    const build = () => baseOption({
      tooltip: {trigger: "item", renderMode: "richText", confine: true},
      xAxis: {type: "time"},
      yAxis: {type: "value", name: "Posts per week"},
      series: types.map((type) => {
        const segs = rows.filter((r) => r.content_type === type).sort((a, b) => (a.start < b.start ? -1 : 1));
        const data = [];
        for (const s of segs) {
          data.push([fmt.day(s.start), s.posts_per_week]);
          data.push([addDays(fmt.day(s.end), 1), s.posts_per_week]);
        }
        return {name: type, type: "line", step: "end", showSymbol: false, data: data,
                markLine: {silent: true, symbol: "none", lineStyle: {type: "dashed"}, label: {formatter: "change"},
                           data: segs.slice(1).map((s) => ({xAxis: fmt.day(s.start)}))}};
      }),
    });
    const columns = [{key: "content_type", label: "Content type"}, {key: "start", label: "From", cell: (r) => fmt.day(r.start)},
                     {key: "end", label: "To", cell: (r) => fmt.day(r.end)},
                     {key: "posts", label: "Posts", num: true, cell: (r) => fmt.int(r.posts)},
                     {key: "posts_per_week", label: "Per week", num: true, cell: (r) => fmt.num(r.posts_per_week, 1)},
                     {key: "change", label: "Change", num: true, cell: (r) => (r.change === null ? "" : "×" + fmt.num(r.change))},
                     {key: "confidence", label: "Collection coverage", num: true, cell: (r) => fmt.pct(r.confidence)}];
    fig.show(build, columns, rows, [...body.notes, skippedNote(body.skipped)]);
  }

  function drawSilence(listing, body, rows) {
    const order = (r) => (r.content_type === "livestream" ? 0 : r.content_type === "all" ? 1 : 2);
    rows.sort((a, b) => order(a) - order(b));
    const columns = [{key: "content_type", label: "Content type"},
                     {key: "start", label: "Last post", cell: (r) => fmt.day(r.start)},
                     {key: "end", label: "As of", cell: (r) => fmt.day(r.end)},
                     {key: "days_since_last", label: "Days since", num: true, cell: (r) => fmt.num(r.days_since_last, 0)},
                     {key: "median_gap_days", label: "Usual gap (median days)", num: true, cell: (r) => fmt.num(r.median_gap_days, 1)},
                     {key: "p90_gap_days", label: "90% of gaps under", num: true, cell: (r) => fmt.num(r.p90_gap_days, 1)},
                     {key: "silence_percentile", label: "Gaps shorter than now", num: true, cell: (r) => fmt.pct(r.silence_percentile)},
                     {key: "confidence", label: "Collection coverage", num: true, cell: (r) => fmt.pct(r.confidence)}];
    clear(listing.rowsBox);
    const live = rows.find((r) => r.content_type === "livestream");
    listing.rowsBox.append(el("p", {class: "stat", id: "livestream-gap"}, live
      ? "Days since the last livestream: " + fmt.num(live.days_since_last, 0) + " (usual gap: " +
        fmt.num(live.median_gap_days, 1) + " days, 90% of gaps under " + fmt.num(live.p90_gap_days, 1) + ")."
      : "No livestream from this account is stored."));
    if (rows.length) listing.rowsBox.append(table(columns, rows));
    listing.done(rows.length ? "" : "No posts from this account are stored.");
    listing.setNotes(body.notes);
  }

  function drawOriginality(fig, body, rows) {
    const periods = periodsOf(rows);
    const at = (p, key) => rows.filter((r) => r.period === p).reduce((sum, r) => sum + (r[key] || 0), 0);
    const originals = (p) => Math.max(0, at(p, "posts") - at(p, "copies") - at(p, "reposts"));
    const build = () => baseOption({
      xAxis: {type: "category", data: periods},
      yAxis: [{type: "value", name: "Posts"}, {type: "value", name: "Copies' share", min: 0, max: 1}],
      series: [
        {name: "originals", type: "bar", stack: "posts", data: periods.map(originals)},
        {name: "reposts", type: "bar", stack: "posts", data: periods.map((p) => at(p, "reposts"))},
        {name: "copies of official posts", type: "bar", stack: "posts", data: periods.map((p) => at(p, "copies"))},
        {name: "copies' share", type: "line", yAxisIndex: 1, data: periods.map((p) => (at(p, "posts") ? at(p, "copies") / at(p, "posts") : null))},
      ],
    });
    const columns = [{key: "period", label: "Period"}, {key: "posts", label: "Posts", num: true, cell: (r) => fmt.int(r.posts)},
                     {key: "reposts", label: "Reposts", num: true, cell: (r) => fmt.int(r.reposts)},
                     {key: "copies", label: "Copies", num: true, cell: (r) => fmt.int(r.copies)},
                     {key: "copy_share", label: "Copies' share", num: true, cell: (r) => fmt.pct(r.copy_share)}];
    fig.show(build, columns, rows, [...body.notes, undatedNote(body), skippedNote(body.skipped)]);
  }

  async function drawCopies(listing, rows) {
    const pairs = [];
    for (const r of rows) for (const pair of r.evidence || []) if (pairs.length < 10) pairs.push(pair);
    clear(listing.rowsBox);
    if (!pairs.length) {
      listing.done("No copied official post in this range.");
      return;
    }
    const fetchDoc = (id) => getJSON("/api/documents/" + segment(id), {}, "/api/documents/{document_id}")
      .then((b) => b.document).catch(() => null);
    for (const pair of pairs) {
      const [copy, original] = await Promise.all([fetchDoc(pair.post_id), fetchDoc(pair.official_id)]);
      listing.rowsBox.append(el("div", {class: "pair"}, postCard("Official post", original, pair.official_id),
                                postCard("Copy", copy, pair.post_id)));
    }
    listing.done("The first " + pairs.length + " copies in this range, each beside the official post it copies.");
  }

  function postCard(label, doc, id) {
    if (!doc) return el("article", {class: "post"}, el("h3", null, label), el("p", null, "Document " + id + " is not stored."));
    return el("article", {class: "post", lang: doc.language || null},
      el("h3", null, label + " · ", el("a", {href: pageHref("/document/" + segment(doc.id))}, (doc.platform || "") + "/" + (doc.handle || ""))),
      el("p", {class: "meta"}, fmt.time(doc.published_at)),
      el("p", {class: "body"}, doc.text || ""));
  }

  pages.spillover = async function () {
    const heat = figure("heatmap");
    const after = figure("after");
    const ids = (PAGE.entities || "").split(",").filter(Boolean);
    const known = await names();
    const label = (id) => known.get(id) || id;
    let by = pageFilters().by;
    const notes = [];
    if (by !== "day" && by !== "week") {
      notes.push("Spillover is measured per day or week: shown per week.");
      by = "week";
    }
    const pairs = [];
    for (const a of ids) for (const b of ids) if (a !== b) pairs.push([a, b]);
    if (!pairs.length) {
      heat.show(() => baseOption({}), [{key: "pair", label: "Pair"}], [], ["Choose at least two entities."]);
      after.show(() => baseOption({}), [{key: "pair", label: "Pair"}], [], []);
      return;
    }
    const cells = [];
    const measures = [];
    const lagRows = [];
    const maxLag = Number(PAGE.maxLag || 7);
    // One request for every pair: the server reads the day totals once and reuses A's surrogates.
    heat.status.textContent = "Computing " + pairs.length + " pairs…";
    let body;
    try {
      body = await getJSON("/api/spillover/matrix", {entities: ids.join(","), by: by, max_lag: PAGE.maxLag,
                                                     permutations: PAGE.permutations});
    } catch (err) {
      heat.fail(err);
      after.fail(err);
      return;
    }
    const skipped = body.skipped;
    const row = new Map(pairs.map(([a, b], i) => [a + "\u0000" + b, i]));
    for (const r of body.rows) {
      const index = row.get(r.a + "\u0000" + r.b);
      if (index === undefined) continue;
      const pair = label(r.a) + " → " + label(r.b);
      if (r.measure === "cross_correlation") {
        cells.push([r.lag + maxLag, index, r.value === null ? "-" : r.value]);
        lagRows.push(Object.assign({pair: pair}, r));
      } else if (r.measure === "negative_after_peak" || r.measure === "negative_if_co_mentioned") {
        measures.push(Object.assign({pair: pair}, r));
      }
    }
    for (const [a, b] of pairs) {
      const pair = label(a) + " → " + label(b);
      const best = lagRows.find((r) => r.pair === pair && r.p_value !== null && r.p_value !== undefined);
      if (best) lagRows.filter((r) => r.pair === pair && r.lag === best.lag).forEach((r) => { r.best = true; });
    }
    for (const n of body.notes) if (!notes.includes(n)) notes.push(n);
    const lags = [];
    for (let l = -maxLag; l <= maxLag; l++) lags.push(String(l));
    const pairNames = pairs.map(([a, b]) => label(a) + " → " + label(b));
    const starred = new Set(lagRows.filter((r) => r.best && r.p_value < 0.05).map((r) => r.pair + "|" + r.lag));
    const buildHeat = () => baseOption({
      tooltip: {trigger: "item", renderMode: "richText", confine: true},
      legend: {show: false},
      dataZoom: [],
      grid: {left: 160, right: 24, top: 24, bottom: 110},
      xAxis: {type: "category", data: lags, name: "lag (" + by + "s; positive: B follows A)", nameLocation: "middle", nameGap: 28, splitArea: {show: true}},
      yAxis: {type: "category", data: pairNames, splitArea: {show: true}},
      visualMap: {min: -1, max: 1, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                  inRange: {color: ["#2166ac", "#f7f7f7", "#b2182b"]}},
      series: [{name: "correlation", type: "heatmap", data: cells,
                label: {show: lags.length <= 15, formatter: (p) => {
                  const v = p.value[2];
                  if (v === "-") return "";
                  const star = starred.has(pairNames[p.value[1]] + "|" + (p.value[0] - maxLag)) ? "★" : "";
                  return Number(v).toFixed(2) + star;
                }}}],
    });
    const lagColumns = [{key: "pair", label: "A → B"}, {key: "lag", label: "Lag", num: true},
                        {key: "value", label: "Correlation", num: true, cell: (r) => fmt.num(r.value)},
                        {key: "p_value", label: "p (peak)", num: true, cell: (r) => fmt.p(r.p_value)},
                        {key: "days", label: by === "day" ? "Days" : "Weeks", num: true}];
    heat.show(buildHeat, lagColumns, lagRows, [...notes, skippedNote(skipped)]);

    const measureNames = {negative_after_peak: "after A's worst period − before", negative_if_co_mentioned: "named with A − not"};
    const kinds = Object.keys(measureNames);
    const buildAfter = () => baseOption({
      tooltip: {trigger: "item", renderMode: "richText", confine: true},
      dataZoom: [],
      grid: {left: 160, right: 24, top: 40, bottom: 40},
      xAxis: {type: "value", name: "difference in B's negative share"},
      yAxis: {type: "category", data: pairNames},
      series: kinds.map((k) => ({name: measureNames[k], type: "bar",
                                 data: pairNames.map((pair) => {
                                   const r = measures.find((m) => m.pair === pair && m.measure === k);
                                   return r ? r.value : null;
                                 })})),
    });
    const measureColumns = [{key: "pair", label: "A → B"}, {key: "measure", label: "Measure", cell: (r) => measureNames[r.measure]},
                            {key: "value", label: "Difference", num: true, cell: (r) => fmt.num(r.value)},
                            {key: "p_value", label: "p", num: true, cell: (r) => fmt.p(r.p_value)}];
    after.show(buildAfter, measureColumns, measures, []);
  };

  pages.stories = async function () {
    const listing = new Listing("story-list");
    const graph = figure("lineage");
    let stories;
    try {
      stories = await getJSON("/api/stories", {limit: 200});  // the largest 200; total says how many in all
    } catch (err) {
      listing.fail(err);
      graph.fail(err);
      return;
    }
    const shown = stories.rows;
    const columns = [
      {key: "title", label: "Story", cell: (r) => el("a", {href: pageHref("/stories", {story: r.story_id}), "data-story": r.story_id},
                                                     r.title || r.story_id), csv: (r) => r.title},
      {key: "size", label: "Documents", num: true, cell: (r) => fmt.int(r.size)},
      {key: "languages", label: "Languages", cell: (r) => (r.languages || []).join(", ")},
      {key: "outlets", label: "Outlets", num: true, cell: (r) => fmt.int(r.outlets)},
      {key: "origin_outlet", label: "Origin", cell: (r) => el("a", {href: pageHref("/document/" + segment(r.origin_document))},
                                                             (r.origin_outlet || "") + (r.origin_language ? " (" + r.origin_language + ")" : ""))},
      {key: "first_published", label: "First", cell: (r) => fmt.time(r.first_published)},
      {key: "last_published", label: "Last", cell: (r) => fmt.time(r.last_published)},
    ];
    clear(listing.rowsBox);
    if (shown.length) listing.rowsBox.append(table(columns, shown));
    listing.done(stories.total
      ? plural(stories.total, "story", "stories") + (stories.total > shown.length ? "; the largest " + shown.length + " shown" : "") + "."
      : "No stories yet: run `limelight link`.");
    listing.setNotes([...stories.notes, skippedNote(stories.skipped)]);
    const wanted = QUERY.get("story") || (shown[0] && shown[0].story_id);
    if (!wanted) {
      graph.show(() => baseOption({}), [{key: "document_id", label: "Document"}], [], ["No story to draw."]);
      return;
    }
    for (const link of listing.rowsBox.querySelectorAll("a[data-story]")) {
      link.addEventListener("click", (ev) => {
        ev.preventDefault();
        history.replaceState(null, "", link.getAttribute("href"));
        drawLineage(graph, link.dataset.story, stories.rows);
      });
    }
    await drawLineage(graph, wanted, stories.rows);
  };

  const lineageOf = new Map();  // story id → its /api/lineage answer (one story's documents only)

  async function drawLineage(fig, storyId, stories) {
    let lineageRows = lineageOf.get(storyId);
    try {
      if (!lineageRows) lineageRows = await getJSON("/api/lineage", {story: storyId});
    } catch (err) {
      fig.fail(err);
      return;
    }
    lineageOf.set(storyId, lineageRows);
    const story = stories.find((s) => s.story_id === storyId);
    const rows = lineageRows.rows.filter((r) => r.story_id === storyId);
    const nodes = new Map();
    const edges = new Map();
    const addNode = (step) => {
      if (!nodes.has(step.document_id)) {
        nodes.set(step.document_id, {id: step.document_id, name: (step.outlet || "not in scope") + (step.language ? " (" + step.language + ")" : ""),
                                     language: step.language || "?"});
      }
    };
    for (const r of rows) {
      addNode({document_id: r.document_id, outlet: r.outlet, language: r.language});
      const chain = r.lineage || [];
      chain.forEach(addNode);
      for (let i = 1; i < chain.length; i++) {
        const key = chain[i - 1].document_id + ">" + chain[i].document_id;
        edges.set(key, {source: chain[i - 1].document_id, target: chain[i].document_id, via: chain[i].via || ""});
      }
    }
    const languages = [...new Set([...nodes.values()].map((n) => n.language))];
    const build = () => baseOption({
      tooltip: {trigger: "item", renderMode: "richText", confine: true},
      dataZoom: [],
      legend: {data: languages, top: 0},
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true, zoom: 1.6,
        force: {repulsion: 900, edgeLength: [120, 220], gravity: 0.08},
        categories: languages.map((l) => ({name: l})), edgeSymbol: ["none", "arrow"], edgeSymbolSize: 9,
        label: {show: true, position: "right"}, edgeLabel: {show: true, formatter: (p) => p.data.via},
        data: [...nodes.values()].map((n) => ({id: n.id, name: n.name, category: languages.indexOf(n.language), symbolSize: 22})),
        links: [...edges.values()],
      }],
    });
    const columns = [
      {key: "document_id", label: "Document", cell: (r) => el("a", {href: pageHref("/document/" + segment(r.document_id))}, r.outlet || r.document_id),
       csv: (r) => r.document_id},
      {key: "language", label: "Language"}, {key: "published_at", label: "Published", cell: (r) => fmt.time(r.published_at)},
      {key: "hops", label: "Hops from origin", num: true},
      {key: "lineage", label: "Chain", cell: (r) => (r.lineage || []).map((s) => (s.outlet || s.document_id) + (s.via ? " [" + s.via + "]" : "")).join(" → "),
       csv: (r) => (r.lineage || []).map((s) => s.document_id).join(" > ")},
    ];
    const heading = fig.section.querySelector("h2");
    heading.textContent = "Lineage: " + (story ? story.title || story.story_id : storyId);
    fig.show(build, columns, rows, [...lineageRows.notes, skippedNote(lineageRows.skipped)]);
    if (fig.chart && !fig.clickBound) {
      fig.clickBound = true;
      fig.chart.on("click", (params) => {
        if (params.dataType === "node" && params.data && params.data.id) location.assign(pageHref("/document/" + segment(params.data.id)));
      });
    }
  }

  pages.search = async function () {
    const saved = new Listing("saved");
    const q = PAGE.q;
    const saveForm = document.getElementById("save-search");
    if (saveForm) saveForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      saveSearch(saveForm, q).then(() => loadSaved(saved));
    });
    await loadSaved(saved);
    if (!q) return;
    const listing = new Listing("results");
    try {
      const body = await getJSON("/api/search", {q: q, limit: 20, next: QUERY.get("next"), total: "true", by: null});
      clear(listing.rowsBox);
      const list = el("ol", {class: "hits"});
      for (const hit of body.rows) {
        list.append(el("li", {class: "hit", lang: hit.language || null},
          el("h3", null, el("a", {href: pageHref("/document/" + segment(hit.document_id))},
                            hit.title || shorten(hit.snippet, 80) || "(untitled " + hit.kind + ")")),
          el("p", {class: "meta"}, fmt.time(hit.published_at) + " · ", sourceCell(hit), " · " + (hit.language || "?") + " · " + hit.kind),
          el("p", {class: "snippet"}, highlighted(hit.snippet, hit.snippet_highlights))));
      }
      listing.rowsBox.append(list);
      const total = body.total === null || body.total === undefined ? "" : plural(body.total, "match", "matches") + ". ";
      listing.done(body.rows.length ? total : "No match.");
      listing.setNotes([...body.notes, skippedNote(body.skipped)]);
      const nav = el("p", {class: "pager"});
      if (QUERY.get("next")) nav.append(el("a", {href: pageHref("/search", {q: q}), rel: "first"}, "First page"), " ");
      if (body.next) nav.append(el("a", {href: pageHref("/search", {q: q, next: body.next}), rel: "next", id: "next-page"}, "Next page"));
      listing.rowsBox.append(nav);
    } catch (err) {
      listing.fail(err);
    }
  };

  /** POST the search (query and the page's filters) to /api/searches under the name typed. */
  async function saveSearch(form, q) {
    const status = form.querySelector("[data-role=saved-status]");
    const filters = pageFilters();
    delete filters.by;
    const body = {name: form.querySelector("input[name=name]").value, query: q, filters: filters};
    const response = await fetch("/api/searches" + (TOKEN ? "?token=" + encodeURIComponent(TOKEN) : ""), {
      method: "POST", headers: {"Content-Type": "application/json", Accept: "application/json"},
      body: JSON.stringify(body), credentials: "same-origin"});
    let answer = null;
    try {
      answer = await response.json();
    } catch (err) {
      answer = null;
    }
    status.textContent = response.ok ? "Saved." : "Not saved: " + ((answer && answer.error) || response.status);
  }

  async function loadSaved(listing) {
    try {
      const body = await getJSON("/api/searches", {by: null, since: null, until: null, language: null, source: null, role: null,
                                                   kind: null, platform: null, timezone: null});
      clear(listing.rowsBox);
      const list = el("ul", {class: "saved"});
      for (const s of body.rows) {
        const params = Object.assign({}, s.filters || {}, {q: s.query});
        const href = "/search?" + new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== "")).toString();
        list.append(el("li", null, el("a", {href: href}, s.name), " ", el("code", null, s.query)));
      }
      if (body.rows.length) listing.rowsBox.append(list);
      listing.done(body.rows.length ? "" : "No saved searches yet (`limelight search --save NAME`, or POST /api/searches).");
    } catch (err) {
      listing.fail(err);
    }
  }

  pages.documents = async function () {
    const listing = new Listing("documents");
    const params = {limit: 50, by: null};
    if (PAGE.entity) params.entity = PAGE.entity;
    for (const [role, format] of [["export", "csv"], ["export-jsonl", "jsonl"], ["export-parquet", "parquet"]]) {
      const link = document.querySelector("[data-role=" + role + "]");
      if (!link) continue;
      apiURL("/api/documents/export", Object.assign({}, params, {limit: null, format: format})).then(({url}) => {
        link.setAttribute("href", url);
        link.setAttribute("download", "documents." + format);
      });
    }
    const columns = [
      {key: "published_at", label: "Published", cell: (r) => fmt.time(r.published_at)},
      {key: "source", label: "Source", cell: sourceCell, csv: (r) => r.platform + "/" + r.handle},
      {key: "language", label: "Language"}, {key: "kind", label: "Kind"},
      {key: "title", label: "Title", lang: (r) => r.language,
       cell: (r) => el("a", {href: pageHref("/document/" + segment(r.id))},
                       r.title || shorten(r.snippet, 60) || "(untitled " + (r.kind || "document") + ")")},
      {key: "snippet", label: "Start of the text", lang: (r) => r.language},
    ];
    return pagedList(listing, "/api/documents", params, columns, "Documents").catch((err) => listing.fail(err));
  };

  // -- the filter bar: the URL is the view ---------------------------------------------------------

  const form = document.getElementById("filters");
  if (form) {
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const out = new URLSearchParams();
      for (const [key, value] of new FormData(form)) {
        if (String(value).trim() === "" || (key === "by" && value === "week")) continue;
        out.append(key, String(value).trim());
      }
      const story = QUERY.get("story");
      if (story && PAGE.page === "stories") out.set("story", story);
      const qs = out.toString();
      location.assign(location.pathname + (qs ? "?" + qs : ""));
    });
  }

  window.addEventListener("resize", () => {
    for (const f of figures) if (f.chart) f.chart.resize();
  });

  const run = pages[PAGE.page];
  if (run && PAGE.valid === "true") {
    Promise.resolve(run()).catch((err) => console.warn(err)).finally(() => {  // eslint-disable-line no-console
      document.body.dataset.loaded = "true";
    });
  } else {
    document.body.dataset.loaded = "true";
  }
})();
