"""Cached answers of the analysis endpoints and ``/api/entities``: the encoded JSON, reused while
the stored data and the project are the ones it was computed from.

An analysis over the whole store takes far longer than a count; a dashboard asks the same
questions again and again (every page load, every reader), and the answers only change when the
store does. So an answer is kept under (path, the normalised query parameters, the store's data
generation, the project's reload epoch). The generation (the ``core.generation`` read: a number
every committed write changes, whichever process wrote) is asked once per request, before the
answer is computed, through :class:`limelight.api.GenerationProbe`, which opens the store only when
its files changed since it last looked (a hit costs a few ``stat`` calls, not a store open). A
write that lands while an answer is computed leaves that answer under the old generation, which no
later request asks for. Where the store cannot say its generation (one from
before it, or a plugin store without the read), nothing is cached. Error answers are never kept.

While a writer keeps changing the store (an ingest commits a batch every second or so), every
answer would be computed again for every request: with ``stale_seconds`` (``web.stale_seconds``,
default 5) an answer computed less than that long ago from an older generation is still given,
marked ``X-Limelight-Cache: stale``, so a busy dashboard recomputes each answer at most once per
window while numbers lag the store by at most that long. 0 gives only answers of the current
generation.

The cache is bounded by the bytes of the answers it holds (``cache_bytes`` of
:func:`limelight.web.app.create_app`, 64 MiB by default) and drops the least recently used first;
an answer larger than the whole bound is not kept. ``X-Limelight-Cache: hit | miss | off`` says what
happened (``stale`` as above), and ``Cache-Control: no-store`` keeps browsers and proxies from keeping answers
themselves (they cannot know when the store changes).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

DEFAULT_BYTES = 64 * 2**20
HEADER = "X-Limelight-Cache"
# Never part of a key: the access token says who asks, not what is asked.
IGNORED = frozenset({"token"})

Key = tuple[Hashable, ...]


class AnswerCache:
    """Encoded answers by key (path, query, epoch), each with the generation it was computed at,
    least recently used dropped first once they pass ``max_bytes``. One answer per key: a newer
    generation's answer replaces the older one, so a store that keeps changing never fills the
    cache with answers nobody will ask for again."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES, *, stale_seconds: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self.stale_seconds = stale_seconds
        self.size = 0
        self.hits = self.misses = self.evictions = 0
        self._answers: OrderedDict[Key, tuple[int, float, bytes]] = OrderedDict()
        self._lock = threading.Lock()  # endpoints run in Starlette's thread pool
        self._clock = clock

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: Key, generation: int) -> tuple[bytes, bool] | None:
        """(body, stale) for ``key``: the answer computed at ``generation``, or one computed at an
        older generation less than ``stale_seconds`` ago (stale); None when there is neither."""
        with self._lock:
            entry = self._answers.get(key)
            if entry is None or (entry[0] != generation and
                                 (entry[0] > generation or self._clock() - entry[1] >= self.stale_seconds)):
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return entry[2], entry[0] != generation

    def put(self, key: Key, generation: int, body: bytes, computed_at: float | None = None) -> None:
        """Keep ``body`` as the answer for ``key`` at ``generation``, computed at ``computed_at``
        (the clock's time when its computation started: a stale window counts from the data it
        saw, not from when it was finished)."""
        if len(body) > self.max_bytes:
            return
        at = self._clock() if computed_at is None else computed_at
        with self._lock:
            old = self._answers.get(key)
            if old is not None and old[0] > generation:
                return  # a newer answer landed meanwhile
            if old is not None:
                del self._answers[key]
                self.size -= len(old[2])
            self._answers[key] = (generation, at, body)
            self.size += len(body)
            while self.size > self.max_bytes:
                _, dropped = self._answers.popitem(last=False)
                self.size -= len(dropped[2])
                self.evictions += 1

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self.size = 0


def query_key(request: Request) -> tuple[tuple[str, str], ...]:
    """The query parameters as the endpoints read them: by name, repeated values joined with
    commas, empty ones left out (``entity=a&entity=b`` is ``entity=a,b``; ``since=`` is no since)."""
    params = request.query_params
    out = []
    for name in sorted(set(params) - IGNORED):
        values = [v for v in params.getlist(name) if v != ""]
        if values:
            out.append((name, ",".join(values)))
    return tuple(out)


def cached(handler: Callable[..., Response], generation: Callable[[Request], int | None],
           epoch: Callable[[Request], Hashable]) -> Callable[..., Response]:
    """``handler`` answered from the app's cache (``app.state.answer_cache``) where it can be:
    ``generation(request)`` is the store's generation (None: do not cache), ``epoch(request)``
    the version of the project the answer depends on."""

    def answer(request: Request, **params: Any) -> Response:
        cache: AnswerCache | None = getattr(request.app.state, "answer_cache", None)
        gen = generation(request) if cache is not None else None
        if cache is None or gen is None:
            response = handler(request, **params)
            response.headers[HEADER] = "off"
            return response
        key: Key = (request.url.path, query_key(request), epoch(request))
        found = cache.get(key, gen)
        if found is not None:
            body, stale = found
            return Response(body, media_type="application/json",
                            headers={HEADER: "stale" if stale else "hit", "Cache-Control": "no-store"})
        started = cache._clock()
        response = handler(request, **params)
        if response.status_code == 200:
            cache.put(key, gen, bytes(response.body), started)
        response.headers[HEADER] = "miss"
        response.headers["Cache-Control"] = "no-store"
        return response

    answer.__name__ = handler.__name__
    answer.__doc__ = handler.__doc__
    return answer
