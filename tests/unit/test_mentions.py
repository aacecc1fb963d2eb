"""@mentions: who a message names, by display name, within one group."""

from groupbox.domain.objects.threads import parse_mentions

GROUP = [("anna", "Anna"), ("annam", "Anna Müller"), ("lisa", "Lisa Becker"), ("samir", "Samir Khan"),
         ("priya", "Priya N."), ("mark", "Coach Mark")]


def test_lisa_mentions_anna_by_her_name():
    assert parse_mentions("@Anna can you take two kids?", GROUP) == ["anna"]


def test_the_longest_name_wins():
    assert parse_mentions("@Anna Müller can you drive?", GROUP) == ["annam"]
    assert parse_mentions("@anna müller, thanks", GROUP) == ["annam"]


def test_a_quoted_name_is_taken_whole():
    assert parse_mentions('Thanks @"Anna Müller"!', GROUP) == ["annam"]
    assert parse_mentions('Thanks @"coach mark"', GROUP) == ["mark"]


def test_case_does_not_matter():
    assert parse_mentions("@LISA BECKER see above", GROUP) == ["lisa"]


def test_a_unique_first_name_is_enough_but_a_shared_one_is_not_guessed():
    assert parse_mentions("@Samir are you in?", GROUP) == ["samir"]
    assert parse_mentions("@Lisa?", GROUP) == ["lisa"]
    # "Anna" is a full name here, so @Anna is Anna — never Anna Müller by first name.
    assert parse_mentions("@Anna", GROUP) == ["anna"]


def test_several_people_in_one_message_in_order_and_once_each():
    text = "@Samir and @Priya N. and @Samir again"
    assert parse_mentions(text, GROUP) == ["samir", "priya"]


def test_names_must_end_at_a_word_boundary():
    assert parse_mentions("@Annabelle is new", GROUP) == []
    assert parse_mentions("@Anna's car", GROUP) == ["anna"]


def test_email_addresses_and_code_are_not_mentions():
    assert parse_mentions("write to anna@example.org", GROUP) == []
    assert parse_mentions("use `@Anna` in code and\n```\n@Lisa Becker\n```", GROUP) == []


def test_unknown_names_and_a_lone_at_sign_mention_nobody():
    assert parse_mentions("@Bob @ @ Anna @\"\"", GROUP) == []
    assert parse_mentions("", GROUP) == []
    assert parse_mentions("@Anna", []) == []


def test_two_members_with_the_same_name_are_both_mentioned():
    twins = [("a1", "Alex"), ("a2", "Alex")]
    assert parse_mentions("@alex", twins) == ["a1", "a2"]
