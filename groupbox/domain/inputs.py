"""The base of every area's input types (issue 12 item 9: one type per input, shared by the web
form, the JSON API and the CLI). A field left out is UNSET; in an edit only the fields present
change, and `null` counts as absent except in the fields an edit may clear."""

from __future__ import annotations

import msgspec

UNSET = msgspec.UNSET
Unset = msgspec.UnsetType


class Input(msgspec.Struct, kw_only=True):
    def given(self, *, clears: tuple[str, ...] = ()) -> dict:
        """The fields present, by name (an edit changes only these); None only for `clears`."""
        return {name: value for name in self.__struct_fields__
                if (value := getattr(self, name)) is not UNSET and (value is not None or name in clears)}

    def get(self, name: str, default: object = None) -> object:
        """The field's value, or `default` when it is absent or null (what a new object takes)."""
        value = getattr(self, name)
        return default if value is UNSET or value is None else value
