"""Ids and tokens are typed on command lines and pasted into URLs."""

from groupbox.util import new_id, new_token


def test_ids_and_tokens_never_start_like_a_command_line_option():
    # One in 32 plain token_urlsafe() values starts with "-" or "_"; 4,000 draws of each
    # would all but surely include one if the rule were missing.
    for make in (new_id, new_token):
        values = {make() for _ in range(4000)}
        assert len(values) == 4000
        assert all(v[0].isalnum() for v in values)
    assert len(new_id()) == 16 and len(new_token()) == 43
