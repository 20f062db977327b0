"""A question typed casually is read as if written properly (bot/question_form.py)."""

from __future__ import annotations

import pytest

from bot.question_form import PassageWords, as_question, is_uncased, restore_case

ARTICLES = [
    "Microsoft has bought Giant Company Software, the BBC understands. The deal was small.\n\n"
    "In December Microsoft said the firm's software would be free. Shadowcrew.com was shut.",
    "The BBC's reporter said the US firm Microsoft would not comment on the fee.",
]


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("who bought giant company software", "who bought giant company software?"),
        ("  who   won\tthe race  ", "who won the race?"),
        ("Who won?", "Who won?"),
        ("Tell me about the talks.", "Tell me about the talks."),
        ("Really!", "Really!"),
        ("", ""),
    ],
)
def test_a_question_ends_with_a_question_mark_unless_it_ends_a_sentence(
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


def test_only_a_question_without_capitals_is_uncased() -> None:
    assert is_uncased("which firm did microsoft buy?")
    assert not is_uncased("which firm did Microsoft buy?")


def test_casing_comes_from_how_the_articles_write_each_word() -> None:
    read = restore_case("which firm did microsoft buy, says the bbc?", ARTICLES)
    # names as the articles write them; "the", "firm" and the rest as typed; the first
    # letter capitalised
    assert read == "Which firm did Microsoft buy, says the BBC?"
    # a possessive and a web address: the name in them is cased all the same
    assert restore_case("what did the bbc's reporter say", ARTICLES) == (
        "What did the BBC's reporter say"
    )
    assert restore_case("was microsoft.com shut", ARTICLES) == "Was Microsoft.com shut"


def test_a_capital_that_only_opens_a_sentence_does_not_count() -> None:
    # "The" and "In" open sentences (and "The" a paragraph); inside them "the" is lower case
    assert restore_case("in the deal, what was said", ARTICLES) == "In the deal, what was said"
    # a name the articles hold only where a sentence opens is cased as it is there
    assert restore_case("when was shadowcrew.com shut", ARTICLES) == "When was Shadowcrew.com shut"
    # a word the articles never hold is left as typed
    assert restore_case("who is kisna", ARTICLES) == "Who is kisna"


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


def test_capitals_in_headings_count_for_nothing() -> None:
    texts = [
        "Frequently Asked Questions About The Negotiation\nThe questions were long. Other "
        "questions came later, as the negotiation went on.",
    ]
    assert restore_case("which questions came later", texts) == "Which questions came later"
    assert restore_case("how did the negotiation go", texts) == "How did the negotiation go"
    # a sentence full of names is no heading
    names = ["Tony Blair met Gordon Brown in London."]
    assert restore_case("did tony blair meet gordon brown", names) == (
        "Did Tony Blair meet Gordon Brown"
    )
