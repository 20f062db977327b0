"""Rule-based condensation of follow-up questions (pure: no index needed)."""

from __future__ import annotations

from bot.composers import NOTHING_FOUND
from bot.condense import (
    MAX_ANSWER_WORDS,
    MAX_TOPIC,
    condense_question,
    conversation_query,
    leans_on_context,
    new_subject,
)
from bot.models import Turn


def test_no_history_leaves_the_question_alone() -> None:
    assert condense_question("  Who leads it? ", []) == "Who leads it?"


def test_pronoun_follow_up_carries_the_previous_subject() -> None:
    history = [Turn("How many planes has Ryanair ordered from Boeing?", "70 [1].")]
    condensed = condense_question("And who is its chairman?", history)
    assert condensed.startswith("Who is its chairman?")
    for word in ("Ryanair", "Boeing", "planes"):
        assert word in condensed
    assert "How" not in condensed.split("?", 1)[1]  # question words are not carried


def test_standalone_question_is_not_polluted_by_history() -> None:
    history = [Turn("How many planes has Ryanair ordered from Boeing?", "70 [1].")]
    question = "Who is British Airways' chief executive?"
    assert condense_question(question, history) == question


def test_what_about_swaps_the_subject() -> None:
    history = [Turn("Who is the Hungarian foreign minister?", "Peter Szijjarto [1].")]
    condensed = condense_question("What about Kazakhstan?", history)
    assert "Kazakhstan" in condensed and "Hungarian" not in condensed
    assert "foreign minister" in condensed


def test_follow_ups_chain_through_several_turns() -> None:
    history = [
        Turn("How much will Sony's PSP cost in the US?", "$250 [1]."),
        Turn("And when does it go on sale?", "24 March [1]."),
    ]
    condensed = condense_question("What about Europe?", history)
    assert "PSP" in condensed and "Europe" in condensed


def test_what_leans_on_context() -> None:
    assert leans_on_context("And the second one?")
    assert leans_on_context("Where will they meet?")
    assert leans_on_context("Why?")
    assert not leans_on_context("When will Sony's PSP go on sale in the US?")


def test_a_follow_up_naming_its_own_subject_is_also_searched_with_the_conversation() -> None:
    history = [
        Turn("Are the pop band Busted splitting up?", "Yes [1]."),
        Turn("So what is their frontman going to do in the meantime?", "A solo album [1]."),
    ]
    question = "What did the band win at the 2004 Brits?"
    assert condense_question(question, history) == question  # read as asked
    query = conversation_query(question, history)
    assert query is not None and query.startswith(question)
    carried = query.removeprefix(question).split()
    assert "Busted" in carried and "frontman" in carried  # the latest turn's words first
    assert carried.index("frontman") < carried.index("Busted")
    assert "band" not in carried and "What" not in carried  # its own words, question words
    assert "solo" in carried and "album" in carried  # the previous answer's words come after
    assert carried.index("Busted") < carried.index("solo")
    assert len(carried) <= MAX_TOPIC + MAX_ANSWER_WORDS


def test_a_condensed_follow_up_is_also_searched_with_the_previous_answer() -> None:
    history = [
        Turn(
            "How much aid is the French government giving its struggling wine industry?",
            "Paris will pay 70m euros in aid to the struggling wine industry [1].",
        )
    ]
    question = "How will most of that money be handed out?"
    standalone = condense_question(question, history)
    query = conversation_query(standalone, history)
    assert query is not None and query.startswith(standalone)
    carried = query.removeprefix(standalone).split()
    assert "euros" in carried and "Paris" in carried  # said in the answer, not asked
    assert not {"wine", "aid"} & set(carried)  # the condensed question has them already
    assert conversation_query("Who is British Airways' chief executive?", []) is None


def test_a_declined_answer_lends_no_words_to_the_next_search() -> None:
    declined = f"{NOTHING_FOUND} The nearest articles are: “Jobs growth still slow in the US”."
    history = [Turn("How many jobs did US employers add in January 2005?", declined)]
    query = conversation_query("Was December's figure changed as well?", history)
    assert query is not None
    carried = query.split()
    assert "January" in carried and "employers" in carried
    assert "archive" not in carried and "nearest" not in carried and "growth" not in carried


def test_a_question_can_announce_a_new_subject() -> None:
    assert new_subject("Different topic: did Germany grow?") == "Did Germany grow?"
    assert new_subject("Changing the subject, who won the Oscar?") == "Who won the Oscar?"
    assert new_subject("On another note - who won?") == "Who won?"
    assert new_subject("Switching to rugby: why is Bell out?") == "Rugby: why is Bell out?"
    assert new_subject("Different match: what was the score?") == "What was the score?"
    # a follow-up, or a question that only looks like one, announces nothing
    assert new_subject("Other clubs: who else bid?") is None
    assert new_subject("Another question: what did he say next?") is None
    assert new_subject("What did the new boss say?") is None
    assert new_subject("Different topic:") is None  # nothing is asked
    assert new_subject("New topic. Who won the Oscar?") == "Who won the Oscar?"
    assert new_subject("Let's change the subject: who won?") == "Who won?"
    assert new_subject("Moving on to the budget, what was cut?") == "The budget, what was cut?"
    # what is left still leans on the conversation: it follows on
    assert new_subject("Different question: what did he say next?") is None
    assert new_subject("Now about his wife - what did she say?") is None
    assert new_subject("Different short-term measures - what were they?") is None
