"""``llm``: tone from an OpenAI-compatible chat endpoint (a local Ollama, vLLM, llama.cpp server...).

``settings["tone.llm_url"]`` is the base URL up to ``/v1``; ``tone.llm_model`` the model name. One
request per text (chat endpoints have no batch call), temperature 0. The model is asked for one
word; anything else it says is read leniently (the first of our labels found in the answer), and
an answer with none is an error that names the text, never a silent "neutral".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from limelight.errors import ConfigError, ItemFailed
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.tone.labels import LABELS, labelled

SYSTEM_PROMPT = (
    "You rate the tone of news text toward the companies and people in it. "
    "Answer with exactly one word: negative, neutral or positive."
)
# One word has no degree: the ends of the scale, and the middle (each gets its own label back).
_TONE = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


def read_label(answer: str) -> str | None:
    """The first of our labels in the answer (models sometimes add punctuation or a sentence)."""
    low = answer.lower()
    found = [(low.find(lab), lab) for lab in LABELS if lab in low]
    return min(found)[1] if found else None


class LLMScorer:
    name = "llm"
    version = "1"
    title = "OpenAI-compatible chat endpoint (tone.llm_url, tone.llm_model)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("tone",)
    languages: tuple[str, ...] = ("*",)

    def __init__(self) -> None:
        self._url = ""
        self._model = ""
        self._timeout = 60.0
        self._client: httpx.Client | None = None

    def setup(self, settings: Settings, root: Path | None = None) -> None:
        self._url = str(settings["tone.llm_url"]).rstrip("/")
        self._model = str(settings["tone.llm_model"])
        self._timeout = float(settings["fetch.timeout"]) * 3  # generation is slower than a page fetch

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        if not self._url:
            raise ConfigError("the llm tone scorer needs an endpoint",
                              "set tone.llm_url, e.g. http://localhost:11434/v1 for Ollama")
        if self._client is None:
            self._client = httpx.Client(timeout=self._timeout)
        url = self._url + "/chat/completions"
        try:
            resp = self._client.post(url, json=payload)
            resp.raise_for_status()
            data: dict[str, Any] = resp.json()
        except httpx.HTTPStatusError as exc:
            raise ItemFailed(f"{url} answered HTTP {exc.response.status_code}",
                             "check tone.llm_url and tone.llm_model") from None
        except (httpx.HTTPError, ValueError) as exc:
            raise ItemFailed(f"{url}: {type(exc).__name__}: {exc}", "is the LLM server running?") from None
        return data

    def score(self, texts: list[str], language: str) -> list[tuple[float, str]]:
        out = []
        for text in texts:
            data = self._post({
                "model": self._model,
                "temperature": 0,
                "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                             {"role": "user", "content": f"Language: {language}\nText: {text}"}],
            })
            try:
                answer = str(data["choices"][0]["message"]["content"])
            except (KeyError, IndexError, TypeError):
                raise ItemFailed("the LLM endpoint's answer has no choices[0].message.content",
                                 "is tone.llm_url an OpenAI-compatible /v1 endpoint?") from None
            label = read_label(answer)
            if label is None:
                raise ItemFailed(f"the LLM answered {answer[:80]!r}, not negative/neutral/positive",
                                 "try another tone.llm_model")
            out.append(labelled(_TONE[label]))
        return out


def register(registry: Registry) -> None:
    registry.register("scorer", LLMScorer())
