"""The key under which a page is stored: one string for every way of writing the same URL.

Feeds, sitemaps, share buttons and exports write one page many ways (``HTTP://Example.COM:80/a``,
``https://example.com/a?utm_source=twitter``, ``https://example.com/a#comments``).
:func:`normalize_url` maps them to one form:

* scheme and host in lower case; a non-ASCII host in its IDNA form (``bücher.de`` →
  ``xn--bcher-kva.de``, UTS #46 as browsers map it); the trailing dot of a fully qualified host
  removed; the scheme's default port (80, 443) dropped; credentials (``user:pass@``) dropped, so
  they never end up in the store;
* path: percent-encoding normalised as RFC 3986 §6.2.2 says (unreserved characters decoded, hex
  digits in upper case, characters a URL cannot hold encoded as UTF-8), dot segments removed
  (``/a/./b/../c`` → ``/a/c``), an empty path written ``/``. Case is kept: servers are
  case-sensitive, and ``//`` and a trailing ``/`` are kept for the same reason;
* query: tracking parameters (:data:`TRACKING_PARAMS`, :data:`TRACKING_PREFIXES`) removed, the
  others sorted by name (the values of a repeated name keep their order: ``a=1&a=2`` can be a
  list), an empty query (``?``) dropped. ``+`` and ``%20`` are not merged: outside form data they
  are not the same;
* the fragment dropped, except an AJAX ``#!`` route, which names another page (``/#!/user/1``).

Anything that is not an absolute http(s) URL with a host gives ``None``.

Why not courlan's ``normalize_url`` (installed with trafilatura): it keeps fragments and
``./``/``../`` segments, accepts any scheme, decodes punycode to Unicode, drops parameters without
a value (``?print``), and its tracker pattern also removes meaningful parameters that merely start
like one (``gallery``, ``game``, ``global``, ``keyword``, ``source``: ``\\bga``, ``\\bgl``, ...).
"""

from __future__ import annotations

import ipaddress
import re
import string
from urllib.parse import urlsplit

import idna

__all__ = ["TRACKING_PARAMS", "TRACKING_PREFIXES", "normalize_url"]

# Names (lower case) that only say how a reader arrived: ad and social click ids, newsletter and
# analytics campaign tags. Only unambiguous names: "source", "ref", "cid" or "from" are ids or
# filters on some sites.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "igshid", "igsh", "li_fat_id", "epik", "rb_clickid", "s_kwcid", "ef_id", "wickedid",
    "mc_cid", "mc_eid", "mkt_tok", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking",
    "_ga", "_gl", "_openstat", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv",
    "fb_action_ids", "fb_action_types", "fb_ref", "fb_source",
    "action_object_map", "action_type_map", "action_ref_map",
    "ref_src", "ref_url", "__twitter_impression", "guccounter", "guce_referrer", "guce_referrer_sig",
    "soc_src", "soc_trk", "spm",
    # News sites: AT Internet (BBC "at_medium=RSS", French press "xtor=RSS-3208"), MSN "ocid",
    # Yahoo/HuffPost "ncid", NYT "smid"/"smtyp", "icid" and "cmpid" internal-campaign tags.
    "at_medium", "at_campaign", "at_format", "at_link", "at_ptr_name", "xtor",
    "ocid", "ncid", "smid", "smtyp", "icid", "cmpid",
})
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "matomo_", "piwik_", "hsa_", "ns_", "wt.")

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_SUB_DELIMS = "!$&'()*+,;="
_PATH_SAFE = _UNRESERVED | frozenset(_SUB_DELIMS + ":@/")
# '&' separates pairs and '=' name from value, so neither is left literal inside a name; a value
# keeps a literal '=' ("?q=a=b").
_NAME_SAFE = _UNRESERVED | frozenset("!$'()*+,;:@/?")
_VALUE_SAFE = _NAME_SAFE | {"="}
_FRAGMENT_SAFE = _PATH_SAFE | {"?"}
_HEX = frozenset(string.hexdigits)
_HOST = re.compile(r"[a-z0-9_.-]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# What a browser strips from both ends before parsing: C0 controls and space.
_C0_OR_SPACE = "".join(map(chr, range(0x21)))


def _normalize_part(part: str, safe: frozenset[str]) -> str:
    """Percent-encoding in one canonical form: %XX of an unreserved character decoded, other %XX in
    upper case, a stray ``%`` and every character outside ``safe`` encoded as UTF-8."""
    out: list[str] = []
    i, n = 0, len(part)
    while i < n:
        ch = part[i]
        if ch == "%" and i + 2 < n and part[i + 1] in _HEX and part[i + 2] in _HEX:
            decoded = chr(int(part[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + part[i + 1 : i + 3].upper())
            i += 3
            continue
        if ch in safe:
            out.append(ch)
        else:
            # surrogatepass: a lone surrogate (broken input) still encodes, the same way each time
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 for an absolute path: ``/a/./b/../c`` → ``/a/c``; ``..`` never climbs above
    the root; a path ending in ``.`` or ``..`` names a directory and keeps its ``/``."""
    segments = path.split("/")[1:]
    out: list[str] = []
    for seg in segments:
        if seg == ".":
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    if segments and segments[-1] in (".", ".."):
        out.append("")
    return "/" + "/".join(out)


def _host(raw: str) -> str | None:
    if "%" in raw:  # a percent-encoded host or an IPv6 zone id: not a host a page can live on
        return None
    if ":" in raw:  # urlsplit has taken the brackets off an IPv6 literal
        try:
            return f"[{ipaddress.IPv6Address(raw).compressed}]"
        except ValueError:
            return None
    if not raw.isascii():
        try:
            mapped = idna.uts46_remap(raw, std3_rules=False, transitional=False)
            # Label by label, so an ASCII label idna would refuse ("my_host") stays as it is.
            raw = ".".join(label if label.isascii() else idna.alabel(label).decode("ascii")
                           for label in mapped.split("."))
        except (UnicodeError, ValueError):
            return None
    host = raw.lower().rstrip(".")
    return host if host and _HOST.fullmatch(host) else None


def _query(query: str) -> str:
    pairs: list[tuple[str, str]] = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, eq, value = pair.partition("=")
        name = _normalize_part(name, _NAME_SAFE)
        lowered = name.lower()
        if lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES):
            continue
        pairs.append((name, f"{name}{eq}{_normalize_part(value, _VALUE_SAFE)}"))
    pairs.sort(key=lambda p: p[0])  # stable: a repeated name keeps its values' order
    return "&".join(written for _name, written in pairs)


def normalize_url(url: str) -> str | None:
    """The canonical form of an absolute http(s) URL (see the module docstring), else ``None``.

    Never raises: any string (or other value) that is not such a URL gives ``None``.
    """
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip(_C0_OR_SPACE))
        port = parts.port
        raw_host = parts.hostname
    except ValueError:  # bad port, unbalanced IPv6 brackets, netloc that NFKC turns into '/', '@' ...
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not raw_host:
        return None
    if "[" in parts.netloc and not parts.netloc.rpartition("@")[2].startswith("["):
        return None  # urlsplit takes "[::1]" out of "a.b[::1]c"; that is no host at all
    host = _host(raw_host)
    if host is None:
        return None
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _remove_dot_segments(_normalize_part(parts.path, _PATH_SAFE)) if parts.path else "/"
    query = _query(parts.query)
    out = f"{scheme}://{netloc}{path}"
    if query:
        out += "?" + query
    if parts.fragment.startswith("!"):
        out += "#" + _normalize_part(parts.fragment, _FRAGMENT_SAFE)
    return out
