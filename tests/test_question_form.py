"""A question typed casually is read as if written properly (bot/question_form.py)."""

from __future__ import annotations

import pytest

from bot.question_form import PassageWords, as_question

ARTICLES = [
    "Microsoft has bought Giant Company Software, the BBC understands. The deal was small.\n\n"
    "In December Microsoft said the firm's software would be free. Shadowcrew.com was shut.",
    "The BBC's reporter said the US firm Microsoft would not comment on the fee.",
]


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("who bought giant company software", "Who bought giant company software?"),
        ("  who   won\tthe race  ", "Who won the race?"),
        ("Who won?", "Who won?"),
        ("Tell me about the talks.", "Tell me about the talks."),
        ("Really!", "Really!"),
        ("", ""),
    ],
)
def test_a_question_is_capitalised_and_ends_with_a_question_mark_unless_it_ends_a_sentence(
    typed: str, read: str
) -> None:
    assert as_question(typed) == read


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("Can you tell me who directed Kisna?", "Who directed Kisna?"),
        ("Do you know which firm Microsoft bought?", "Which firm Microsoft bought?"),
        ("do you know who won", "Who won?"),
        ("Tell me why the talks failed.", "Why the talks failed?"),
        ("I'd like to know how much Glazer paid", "How much Glazer paid?"),
        ("Hi newsbot, could you please tell me when the talks start?", "When the talks start?"),
        ("Any idea where the talks were held?", "Where the talks were held?"),
        ("please tell me, who won the election", "Who won the election?"),
    ],
)
def test_an_opening_that_only_asks_to_be_told_is_dropped(typed: str, read: str) -> None:
    assert as_question(typed) == read


@pytest.mark.parametrize(
    "question",
    [
        "Do you know if Giggs captained Wales?",  # a yes/no question, and asked as one
        "Do you know Giggs?",
        "Who told me about it?",
        "Can you explain the deal?",
        "Did anyone know who he was?",
    ],
)
def test_a_question_that_is_its_own_opening_is_kept(question: str) -> None:
    assert as_question(question) == question


def test_a_misspelt_name_is_spelt_as_the_articles_spell_it() -> None:
    words = PassageWords(ARTICLES)
    assert words.mended("Which firm did Microsft buy?") == "Which firm did Microsoft buy?"
    assert words.mended("Was Shadowcrwo.com shut?") == "Was Shadowcrew.com shut?"  # swapped
    # two edits only for a long name
    assert words.mended("Who is Micrsft?") == "Who is Micrsft?"
    assert words.mended("Did Giant Compnay Softwre sell?") == "Did Giant Company Software sell?"


def test_only_a_capitalised_word_the_articles_never_hold_is_mended() -> None:
    words = PassageWords(["Tony Blair met Tony Blaik. Labour said the firm paid the fee.", "Fees."])
    # two names equally near: left as typed
    assert words.mended("What did Blain say?") == "What did Blain say?"
    # lower case words, short words and words the articles hold are never changed
    assert words.mended("what did blar say about the fees of Lab?") == (
        "what did blar say about the fees of Lab?"
    )
    assert words.mended("Did Labour pay the fee?") == "Did Labour pay the fee?"
    assert words.mended("Did Labuor pay?") == "Did Labour pay?"
    # the opening word is capitalised as an opening
    assert PassageWords(["The Horse won."]).mended("Worse news?") == "Worse news?"
    # a name the archive holds is spelt right, wherever the passages stand
    american = PassageWords(["American officials."])
    assert american.mended("Did America?", known=lambda w: w == "America") == "Did America?"
    assert american.mended("Did America?", known=lambda w: False) == "Did American?"
