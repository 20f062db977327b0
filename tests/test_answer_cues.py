"""The cheap question and sentence cues the extractive composer scores with (pure)."""

from __future__ import annotations

import pytest

from bot.composers.cues import Expect, expected_answer, key_terms, name_terms, supplies
from bot.composers.extractive import shape_penalty, with_marker


@pytest.mark.parametrize(
    ("question", "expect"),
    [
        ("Who is Russia's foreign minister?", Expect.PERSON),
        ("Which Polish leader was cautious?", Expect.PERSON),
        ("When will the talks take place?", Expect.DATE),
        ("What year did Russia annex Crimea?", Expect.DATE),
        ("How many jobs could Mittal Steel cut?", Expect.NUMBER),
        ("What is the price of the Sony PSP?", Expect.NUMBER),
        ("Where will Hyundai build its plant?", Expect.PLACE),
        ("In which city did leaders meet?", Expect.PLACE),
        ("What are Putin's core demands?", Expect.NONE),
    ],
)
def test_what_a_question_asks_for(question: str, expect: Expect) -> None:
    assert expected_answer(question) is expect


def test_supplies_needs_something_new() -> None:
    who = "Who is British Airways' chief executive?"
    assert supplies("Rod Eddington, BA's chief executive, said so.", Expect.PERSON, who)
    assert not supplies("The airline said profits fell.", Expect.PERSON, who)
    when = "When will Sony's PSP go on sale in the US?"
    assert supplies("US gamers can buy it from 24 March.", Expect.DATE, when)
    assert not supplies("US gamers can buy it soon.", Expect.DATE, when)
    how_many = "How many jobs will go in 2005?"
    assert supplies("The firm will cut 45,000 jobs.", Expect.NUMBER, how_many)
    assert not supplies("Cuts are planned for 2005.", Expect.NUMBER, how_many)  # a year
    assert not supplies("A multi-billion dollar campaign.", Expect.NUMBER, how_many)
    where = "Where will Hyundai build its plant?"
    assert supplies("It will be built in Chennai.", Expect.PLACE, where)
    assert not supplies("Hyundai will build it soon.", Expect.PLACE, where)


def test_terms_and_names() -> None:
    assert key_terms("The negotiations were negotiated in Saudi Arabia") == key_terms(
        "negotiating Saudi Arabia's"
    )
    assert "the" not in key_terms("the the the") and key_terms("") == frozenset()
    assert name_terms("Who is the chief executive of Tesco?") == {"tesco"}
    assert name_terms("When will Apple launch the iPhone?") == {"apple", "iphone"}
    assert name_terms("how do prices rise?") == set()


def test_marker_goes_before_the_final_stop() -> None:
    assert (
        with_marker("The summit is in Geneva on 3 May.", 1)
        == "The summit is in Geneva on 3 May [1]."
    )
    assert with_marker("Is it over?", 2) == "Is it over [2]?"
    assert with_marker('He said "no."', 3) == 'He said "no." [3]'
    assert with_marker("A heading", 4) == "A heading [4]"


def test_shape_prefers_whole_sentences() -> None:
    whole = "Ryanair has placed an order for 70 Boeing 737-800 planes."
    assert shape_penalty(whole) == 0
    assert shape_penalty("Key Players and Their Stances") > shape_penalty(whole)
    assert shape_penalty("Putin's core demands include:") > 0
