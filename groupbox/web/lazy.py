"""Modules Litestar imports at start but a worker rarely or never uses (issue 17: idle RSS).

`litestar.openapi.plugins` imports PyYAML for the YAML schema (groupbox serves its schema as JSON
only), and `litestar.typing` imports annotated_types for `Annotated[...]` constraints on handler
parameters (groupbox's have none). `defer` puts a stand-in module in their place: `import yaml`
succeeds at once, and the first attribute asked of the stand-in imports the real module, which
from then on answers for it. A worker that never touches them saves their memory; one that does
behaves as before. (The standard library's `LazyLoader` cannot do this on Python 3.11: the
`import` statement itself reads `__spec__`, which makes it load.)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


class _Deferred(types.ModuleType):
    def __getattr__(self, attr: str):
        real = sys.modules.get(self.__name__)
        if real is None or real is self:
            del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
        return getattr(real, attr)


def defer(*names: str) -> None:
    """Stand in for each module (installed and not imported yet) until it is first used."""
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue  # not installed: the importer's own fallback applies
        module = _Deferred(name)
        module.__spec__ = spec  # what the import statement reads (not "being initialised"), and find_spec
        sys.modules[name] = module
