"""The llm scorer against a local stand-in OpenAI-compatible server (pytest-httpserver)."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from limelight.errors import ConfigError, ItemFailed
from limelight.settings import Settings
from limelight.tone.llm import LLMScorer, read_label


def _answer(content: str) -> dict[str, object]:
    return {"id": "x", "object": "chat.completion", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}


def _scorer(server: HTTPServer) -> LLMScorer:
    s = LLMScorer()
    s.setup(Settings.from_dict({"tone": {"llm_url": server.url_for("/v1"), "llm_model": "tiny"}}))
    return s


def test_tone_llm_reads_labels_from_chat_completions(httpserver: HTTPServer) -> None:
    seen: list[dict[str, object]] = []

    def handler(request: Request) -> Response:
        body = json.loads(request.data)
        seen.append(body)
        text = body["messages"][-1]["content"].lower()
        word = "Negative." if "fraud" in text else "positive" if "record" in text else "neutral"
        return Response(json.dumps(_answer(word)), content_type="application/json")

    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(handler)
    res = _scorer(httpserver).score(["Record profits at Acme.", "Acme charged with fraud.", "Acme meets on Monday."],
                                    "en")
    assert res == [(1.0, "positive"), (-1.0, "negative"), (0.0, "neutral")]
    assert len(seen) == 3 and seen[0]["model"] == "tiny" and seen[0]["temperature"] == 0


def test_tone_llm_unreadable_answer_fails_the_item(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_json(_answer("I cannot say."))
    with pytest.raises(ItemFailed, match="not negative/neutral/positive"):
        _scorer(httpserver).score(["Acme."], "en")


def test_tone_llm_http_error_names_the_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_data("no such model", status=404)
    with pytest.raises(ItemFailed, match="HTTP 404"):
        _scorer(httpserver).score(["Acme."], "en")


def test_tone_llm_without_url_says_what_to_set() -> None:
    s = LLMScorer()
    s.setup(Settings.defaults())
    with pytest.raises(ConfigError, match=r"tone\.llm_url"):
        s.score(["Acme."], "en")


def test_tone_llm_read_label_takes_the_first_label() -> None:
    assert read_label("Positive — though partly negative") == "positive"
    assert read_label("**neutral**") == "neutral"
    assert read_label("unclear") is None
