"""MinHash shingles, signatures and LSH banding on small hand-written texts."""

from __future__ import annotations

import numpy as np

from limelight.link.minhash import (
    MinHasher,
    bands_for,
    containment,
    estimate_jaccard,
    jaccard,
    lsh_candidates,
    shingles,
    tokens,
)

EN = "Kestrel Auto delivered more than 41,000 vehicles in June, the company said on Tuesday in Beijing."
EN_EDIT = "Kestrel Auto delivered more than 41,000 vehicles in June, the company said on Tuesday in Shanghai."
ZH = "红隼汽车公布9月交付数据，交付量再创新高，韩志远表示将继续扩大产能。"
ZH_COPY = "转给大家：" + ZH + "[心]"
OTHER = "Corvid Motors cut prices on its whole range after a weak quarter, analysts in Munich said."


def test_link_minhash_tokens_are_characters_in_cjk_and_words_elsewhere() -> None:
    assert tokens("Hàn Chí Viễn, CEO!") == ["hàn", "chí", "viễn", "ceo"]
    assert tokens("红隼KS7汽车") == ["红", "隼", "ks7", "汽", "车"]
    assert tokens("") == []


def test_link_minhash_shingles_short_text_is_one_shingle() -> None:
    assert shingles("支持") == {"支\x1f持"}
    assert len(shingles(ZH)) == len(tokens(ZH)) - 2


def test_link_minhash_jaccard_and_containment() -> None:
    a, b = shingles(EN), shingles(EN_EDIT)
    assert 0.8 < jaccard(a, b) < 1.0
    assert jaccard(shingles(EN), shingles(OTHER)) < 0.05
    # A lead-in and an emoji lower Jaccard, but the original is still wholly contained.
    assert jaccard(shingles(ZH), shingles(ZH_COPY)) < 0.9
    assert containment(shingles(ZH), shingles(ZH_COPY)) == 1.0
    assert containment(set(), shingles(ZH)) == 0.0


def test_link_minhash_signature_estimates_jaccard_and_is_deterministic() -> None:
    hasher = MinHasher()
    a, b = shingles(EN), shingles(EN_EDIT)
    sa, sb = hasher.signature(a), hasher.signature(b)
    assert abs(estimate_jaccard(sa, sb) - jaccard(a, b)) < 0.15
    assert np.array_equal(sa, MinHasher().signature(a))  # same seed, same signature, any process
    assert estimate_jaccard(sa, hasher.signature(shingles(OTHER))) < 0.15


def test_link_minhash_lsh_finds_near_copies_only() -> None:
    texts = [EN, OTHER, EN_EDIT, ZH, ZH_COPY]
    sigs = MinHasher().signatures([shingles(t) for t in texts])
    pairs = lsh_candidates(sigs, 0.8)
    assert (0, 2) in pairs
    assert (0, 1) not in pairs and (1, 3) not in pairs
    # Groups keep candidates apart: the same pair in different groups is no candidate.
    assert (0, 2) not in lsh_candidates(sigs, 0.8, groups=["a", "a", "b", "a", "a"])


def test_link_minhash_bands_put_the_s_curve_below_the_threshold() -> None:
    bands, rows = bands_for(0.8)
    assert bands * rows == 128
    assert (1 / bands) ** (1 / rows) < 0.8
