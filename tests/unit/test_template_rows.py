"""Templates read a row's keys as `row.title`: the pages' environment looks a dict's key up first
(no AttributeError raised and caught per lookup, issue 17) and answers as Jinja does."""

import pytest
from jinja2 import Environment, StrictUndefined, UndefinedError

from groupbox.web.app import _RowsEnvironment


@pytest.mark.parametrize("source", [
    "{{ row.title }}|{{ row.missing is defined }}|{{ row.missing }}",
    "{{ row.items()|list|length }}|{{ row.get('title') }}|{{ row.keys()|list|length }}",
    "{{ row['items'] }}|{{ row.values is callable }}",  # a key named like a method: the method wins, as in Jinja
    "{{ sub.title }}|{{ sub.extra }}",  # a dict subclass with attributes of its own
])
def test_the_same_answers_as_jinja(source):
    class Row(dict):
        extra = "attribute"

    context = {"row": {"title": "Training", "items": "a key", "values": 3}, "sub": Row(title="Match")}
    expected = Environment(autoescape=True).from_string(source).render(context)
    assert _RowsEnvironment(autoescape=True).from_string(source).render(context) == expected


def test_a_missing_key_is_undefined_in_the_environments_own_way():
    env = _RowsEnvironment(undefined=StrictUndefined)
    with pytest.raises(UndefinedError, match="no attribute 'missing'"):
        env.from_string("{{ row.missing }}").render(row={"title": "x"})
