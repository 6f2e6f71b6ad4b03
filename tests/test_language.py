"""The bigram word model: counts, logits, distributions and seeded sampling."""

import math
import random
import re
from collections import Counter
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lecture_code import (
    argmax,
    next_token_distribution,
    next_token_logits,
    sample_continuation,
    tokenize,
    train_bigram,
)

TEXT = "The cat sat on the mat. The cat ran. The dog sat on the cat."

texts = st.lists(st.sampled_from(["a", "b", "c", "d", "."]), min_size=2, max_size=40).map(" ".join)


def test_tokenize_lowercases_and_keeps_full_stops():
    assert tokenize("The Cat sat.  It's here.") == ["the", "cat", "sat", ".", "it's", "here", "."]
    assert tokenize("") == []


@given(texts)
def test_train_bigram_counts_every_pair_of_neighbours(text):
    tokens = tokenize(text)
    model = train_bigram(text)
    counts = Counter(pairwise(tokens))
    assert {(a, b): n for a, f in model.items() for b, n in f.items()} == dict(counts)
    assert math.fsum(n for f in model.values() for n in f.values()) == len(tokens) - 1


def test_train_bigram_on_a_known_text():
    model = train_bigram(TEXT)
    assert model["the"] == {"cat": 3, "mat": 1, "dog": 1}
    assert model["sat"] == {"on": 2}


@given(texts)
def test_logits_are_log_counts_of_sorted_followers(text):
    model = train_bigram(text)
    for word, followers in model.items():
        words, logits = next_token_logits(model, word)
        assert words == sorted(followers)
        assert logits == [math.log(followers[w]) for w in words]


@given(texts, st.floats(0.1, 10.0))
def test_next_token_distribution_sums_to_one(text, temperature):
    model = train_bigram(text)
    for word in model:
        words, probs = next_token_distribution(model, word, temperature)
        assert len(words) == len(probs)
        assert all(p > 0 for p in probs)
        assert abs(math.fsum(probs) - 1.0) < 1e-12


@given(texts)
def test_argmax_word_is_the_most_frequent_follower(text):
    model = train_bigram(text)
    for word, followers in model.items():
        # Ties go to the alphabetically first word, as followers are sorted.
        expected = min(followers, key=lambda b: (-followers[b], b))
        words, probs = next_token_distribution(model, word)
        assert words[argmax(probs).index(1.0)] == expected


def test_distribution_is_proportional_to_counts():
    words, probs = next_token_distribution(train_bigram(TEXT), "the")
    assert words == ["cat", "dog", "mat"]
    assert all(abs(p - q) < 1e-12 for p, q in zip(probs, [0.6, 0.2, 0.2], strict=True))


def test_low_temperature_picks_the_most_frequent_follower():
    _, probs = next_token_distribution(train_bigram(TEXT), "the", temperature=0.01)
    assert probs[0] > 1 - 1e-12


@given(texts, st.integers(0, 2**32), st.integers(0, 30))
def test_same_seed_gives_the_same_words(text, seed, n_words):
    model = train_bigram(text)
    start = tokenize(text)[0]
    first = sample_continuation(model, start, n_words, random.Random(seed))
    second = sample_continuation(model, start, n_words, random.Random(seed))
    assert first == second
    assert len(first) <= n_words


@given(texts, st.randoms(use_true_random=False), st.floats(0.1, 10.0))
def test_samples_only_follow_observed_bigrams(text, rng, temperature):
    model = train_bigram(text)
    start = tokenize(text)[0]
    words = sample_continuation(model, start, 20, rng, temperature)
    for a, b in pairwise([start, *words]):
        assert b in model[a]
    if len(words) < 20:  # stopped early, so the last word has no followers
        assert not model.get(words[-1] if words else start)


def test_sampling_stops_early_when_a_word_has_no_followers():
    model = train_bigram("a b c")
    assert sample_continuation(model, "a", 10, random.Random(0)) == ["b", "c"]
    assert sample_continuation(model, "c", 10, random.Random(0)) == []
    assert sample_continuation(model, "unseen", 10, random.Random(0)) == []
    assert sample_continuation(model, "a", 0, random.Random(0)) == []


def test_sampling_never_touches_the_global_random_state():
    random.seed(1234)
    state = random.getstate()
    sample_continuation(train_bigram(TEXT), "the", 50, random.Random(0))
    assert random.getstate() == state


def test_different_seeds_can_give_different_words():
    model = train_bigram(TEXT)
    samples = {tuple(sample_continuation(model, "the", 8, random.Random(s))) for s in range(20)}
    assert len(samples) > 1


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: tokenize(3), TypeError, "tokenize: text must be a string, got 3"),
        (lambda: train_bigram(None), TypeError, "train_bigram: text must be a string, got None"),
        (
            lambda: train_bigram("hello"),
            ValueError,
            "train_bigram: text must contain at least 2 tokens, got 1",
        ),
        (
            lambda: next_token_logits([], "a"),
            TypeError,
            "next_token_logits: model must be a dict, got list",
        ),
        (
            lambda: next_token_logits({"a": {"b": 1}}, 1),
            TypeError,
            "next_token_logits: word must be a string, got 1",
        ),
        (
            lambda: next_token_logits({"a": {"b": 1}}, "z"),
            ValueError,
            "next_token_logits: word 'z' has no followers",
        ),
        (
            lambda: next_token_logits({"a": {"b": 0}}, "a"),
            ValueError,
            "next_token_logits: model['a']['b'] must be > 0, got 0",
        ),
        (
            lambda: next_token_distribution({"a": {"b": 1}}, "a", 0),
            ValueError,
            "next_token_distribution: temperature must be > 0, got 0",
        ),
        (
            lambda: next_token_distribution({"a": {"b": 1}}, "a", math.nan),
            ValueError,
            "next_token_distribution: temperature must be finite, got nan",
        ),
        (
            lambda: sample_continuation({"a": {"b": 1}}, "a", 3, None),
            TypeError,
            "sample_continuation: rng must be a random.Random, got None",
        ),
        (
            lambda: sample_continuation({"a": {"b": 1}}, "a", -1, random.Random(0)),
            ValueError,
            "sample_continuation: n_words must be >= 0, got -1",
        ),
        (
            lambda: sample_continuation({"a": {"b": 1}}, "a", True, random.Random(0)),
            TypeError,
            "sample_continuation: n_words must be an int, got True",
        ),
        (
            lambda: sample_continuation({"a": {"b": 1}}, "a", 2.0, random.Random(0)),
            TypeError,
            "sample_continuation: n_words must be an int, got 2.0",
        ),
        (
            lambda: sample_continuation({"a": {"b": 1}}, "a", 3, random.Random(0), -1.0),
            ValueError,
            "sample_continuation: temperature must be > 0, got -1.0",
        ),
        (
            lambda: sample_continuation("ab", "a", 3, random.Random(0)),
            TypeError,
            "sample_continuation: model must be a dict, got str",
        ),
        (
            lambda: sample_continuation({"a": {"b": 1}}, None, 3, random.Random(0)),
            TypeError,
            "sample_continuation: start must be a string, got None",
        ),
    ],
)
def test_language_model_rejects_bad_input(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        call()
