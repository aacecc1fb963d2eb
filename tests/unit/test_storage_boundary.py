"""SQL lives in storage modules, and each area writes only its own tables (issue 12 item 1).

Walks `groupbox/` with `ast` (nothing is imported) and fails with a list of `file:line: what`:

(a) outside `groupbox/db/` (engine, migrations) and the store modules (`*/store.py`,
    `*/store/*.py`), no string literal that reads as SQL (`SELECT … FROM`, `INSERT INTO`,
    `UPDATE x SET`, `DELETE FROM`, `CREATE TABLE|INDEX`, `PRAGMA`; uppercase keywords, docstrings
    excepted) and no `.fetch/.fetchone/.execute/.executemany/.execute_fetchall` called on `DB` or on
    a transaction's `.connection`; services call their store's functions;
(b) in a store module, every table written (`INSERT INTO`, `UPDATE … SET`, `DELETE FROM`, also in
    the constant parts of f-strings) is in its `TABLES` or `FOREIGN_WRITES`, and every table read
    (`FROM`, `JOIN`) is in `TABLES`, `READS` or `FOREIGN_WRITES`. Tables are the names the
    migrations create, so CTE names, aliases and `{placeholders}` are not counted;
(c) no table is in the `TABLES` of two store modules (one owner each), and every name in a
    `TABLES` is a table the migrations create.

Check one area while others are still moving code:
`GROUPBOX_BOUNDARY_ONLY=groupbox/domain/objects .venv/bin/python -m pytest tests/unit/test_storage_boundary.py`
reports only findings in files under that folder (several folders: comma-separated); (c) still
looks at every store module, but names only conflicts that involve a file under the folder.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "groupbox"
ONLY_ENV = "GROUPBOX_BOUNDARY_ONLY"

SQL = re.compile(r"\b(SELECT\s.+?\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX)|PRAGMA)\b",
                 re.S)
QUERY_METHODS = {"fetch", "fetchone", "execute", "executemany", "execute_fetchall"}
_CREATED = re.compile(r"\bCREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)", re.I)
_WRITES = re.compile(r"\b(?:(?:INSERT|REPLACE)(?:\s+OR\s+\w+)?\s+INTO|DELETE\s+FROM)\s+\"?(\w+)", re.I)
# Only `UPDATE name SET` names a table: "ON CONFLICT … DO UPDATE SET", "FOR UPDATE" do not.
_UPDATE = re.compile(r"\bUPDATE(?:\s+OR\s+\w+)?\s+\"?(\w+)\"?\s+(?:AS\s+\w+\s+|\w+\s+)?SET\b", re.I)
# FROM (not DELETE FROM) or JOIN, a name, an optional alias, then more ", name alias" items.
_READS = re.compile(r"(?<!DELETE )\b(?:FROM|JOIN)\s+((?:\"?\w+\"?(?:\s+(?:AS\s+)?\w+)?)(?:\s*,\s*\"?\w+\"?(?:\s+(?:AS\s+)?\w+)?)*)",
                    re.I)
_PLACEHOLDER = " __expr__ "


@dataclass
class Module:
    """One source file: its path (relative to the repository) and text."""

    path: str
    source: str
    tree: ast.Module = field(init=False)

    def __post_init__(self) -> None:
        self.tree = ast.parse(self.source, filename=self.path)

    def constants(self, resolve=None) -> dict[str, object]:
        return constants(self.tree, resolve)

    @property
    def in_db(self) -> bool:
        return self.path.startswith("groupbox/db/")

    @property
    def is_store(self) -> bool:
        parts = Path(self.path).parts
        return parts[-1] == "store.py" or (len(parts) > 1 and parts[-2] == "store")


# -- reading the source ---------------------------------------------------------------------------
def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the Constant nodes that are docstrings."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def _text(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's constant parts with `__expr__` for each `{…}`;
    `a + b` of those joined; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else _PLACEHOLDER for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        if left is not None or right is not None:
            return (left if left is not None else _PLACEHOLDER) + (right if right is not None else _PLACEHOLDER)
    return None


def strings(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, text) of every string expression that is not a docstring, outermost first: the parts
    of a `+` chain or an f-string are not yielded again on their own."""
    skip = _docstrings(tree)
    covered: set[int] = set()
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in covered:
            continue
        text = _text(node)
        if text is None:
            continue
        for inner in ast.walk(node):
            covered.add(id(inner))
        yield node.lineno, text


def _receiver_is_database(node: ast.AST) -> bool:
    """`DB`, `engine.DB`, or a transaction's `.connection` (`tx.connection`)."""
    if isinstance(node, ast.Name):
        return node.id == "DB"
    if isinstance(node, ast.Attribute):
        return node.attr in {"DB", "connection"}
    return False


def query_calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUERY_METHODS
                and _receiver_is_database(node.func.value)):
            yield node.lineno, f"{ast.unparse(node.func)}(…)"


_SAFE_BUILTINS = {"sorted": sorted, "tuple": tuple, "list": list, "set": set, "frozenset": frozenset,
                  "dict": dict, "str": str, "len": len}


def constants(tree: ast.Module, resolve=None) -> dict[str, object]:
    """The module's top-level names whose values can be worked out without importing it: literals
    and expressions over earlier ones (`{**{t: why for t in sorted(KINDS)}}`, `"a" + WHY`), and,
    through `resolve(module_name)`, names imported from other groupbox modules."""
    namespace: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and resolve is not None and (node.module or "").startswith("groupbox"):
            imported = resolve(node.module)
            for alias in node.names:
                if alias.name in imported:
                    namespace[alias.asname or alias.name] = imported[alias.name]
            continue
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        names = [target.id for target in targets if isinstance(target, ast.Name)]
        if not names:
            continue
        try:
            result = eval(compile(ast.Expression(value), "<declaration>", "eval"),  # noqa: S307 - our own source
                          {**namespace, "__builtins__": _SAFE_BUILTINS})  # globals: comprehensions see them
        except Exception:  # a call, a name we cannot know: not a declaration
            continue
        for name in names:
            namespace[name] = result
    return namespace


def declared(namespace: dict[str, object], name: str):
    """TABLES, READS or FOREIGN_WRITES as the module declares it: None when it does not, ... when
    it is not something we can read without running the module."""
    return namespace.get(name)


def written(sql: str) -> set[str]:
    return {match.group(1) for pattern in (_WRITES, _UPDATE) for match in pattern.finditer(sql)}


def read(sql: str) -> set[str]:
    names: set[str] = set()
    for match in _READS.finditer(sql):
        for item in match.group(1).split(","):
            words = item.split()
            if words:
                names.add(words[0].strip('"'))
    return names


def tables_created(modules: Iterable[Module]) -> set[str]:
    """The tables the migrations (and the migration ledger) create."""
    names: set[str] = set()
    for module in modules:
        if module.in_db:
            for _line, text in strings(module.tree):
                names |= {match.group(1) for match in _CREATED.finditer(text)}
    return names


# -- the checks -----------------------------------------------------------------------------------
def check(modules: list[Module], tables: set[str], only: tuple[str, ...] = ()) -> list[str]:
    """Every finding as `path:line: what`; with `only`, those in files under these folders."""

    def wanted(path: str) -> bool:
        return not only or any(path == prefix or path.startswith(prefix.rstrip("/") + "/") for prefix in only)

    problems: list[str] = []
    owners: dict[str, list[str]] = {}
    by_name = {module.path.removesuffix(".py").removesuffix("/__init__").replace("/", "."): module for module in modules}
    cache: dict[str, dict[str, object]] = {}

    def resolve(name: str) -> dict[str, object]:
        if name not in cache:
            cache[name] = {}  # an import cycle resolves to nothing
            if name in by_name:
                cache[name] = by_name[name].constants(resolve)
        return cache[name]
    for module in modules:
        if module.in_db:
            continue
        if not module.is_store:  # (a)
            if not wanted(module.path):
                continue
            for line, text in strings(module.tree):
                match = SQL.search(text)
                if match:
                    snippet = " ".join(text[match.start():].split())[:50]
                    problems.append(f"{module.path}:{line}: SQL outside a store module ({snippet!r})")
            for line, call in query_calls(module.tree):
                problems.append(f"{module.path}:{line}: query outside a store module: {call}")
            continue
        # (b)
        names = module.constants(resolve)
        own = declared(names, "TABLES")
        reads = declared(names, "READS") or {}
        foreign = declared(names, "FOREIGN_WRITES") or {}
        sql_lines = [line for line, text in strings(module.tree) if SQL.search(text)]
        if not isinstance(own, tuple | list | set | frozenset):
            if wanted(module.path) and (own is not None or sql_lines):
                problems.append(f"{module.path}:1: a store module declares TABLES = (...), the tables it owns,"
                                " as a literal")
            own = ()
        for name in own:
            owners.setdefault(name, []).append(module.path)
            if name not in tables and wanted(module.path):
                problems.append(f"{module.path}:1: TABLES names {name!r}, which no migration creates")
        if not wanted(module.path):
            continue
        for label, value in (("READS", reads), ("FOREIGN_WRITES", foreign)):
            if not isinstance(value, dict):
                problems.append(f"{module.path}:1: {label} is a dict {{table: 'why'}} readable without running"
                                " the module (literals, constants, comprehensions)")
        reads = reads if isinstance(reads, dict) else {}
        foreign = foreign if isinstance(foreign, dict) else {}
        for line, text in strings(module.tree):
            if not SQL.search(text):
                continue
            for name in sorted(written(text) & tables):
                if name not in own and name not in foreign:
                    problems.append(f"{module.path}:{line}: writes {name!r}, not in its TABLES"
                                    " (its owner's store should do it; else FOREIGN_WRITES with why)")
            for name in sorted(read(text) & tables):
                if name not in own and name not in reads and name not in foreign:
                    problems.append(f"{module.path}:{line}: reads {name!r}, not in its TABLES or READS")
    for name, paths in sorted(owners.items()):  # (c)
        if len(paths) > 1 and any(wanted(path) for path in paths):
            problems.append(f"{paths[0]}:1: table {name!r} is in the TABLES of {', '.join(paths)} (one owner)")
    return problems


def package_modules() -> list[Module]:
    return [Module(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))
            for path in sorted(PACKAGE.rglob("*.py"))]


def only_folders() -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(ONLY_ENV, "").split(",") if part.strip())


def _place(problem: str) -> tuple[str, int]:
    path, line, _rest = problem.split(":", 2)
    return path, int(line)


def report(problems: list[str]) -> str:
    return f"{len(problems)} storage boundary problem(s):\n" + "\n".join(sorted(problems, key=_place))


# -- tests --------------------------------------------------------------------------------------
def _problems(kind: str) -> list[str]:
    modules = package_modules()
    found = check(modules, tables_created(modules), only_folders())
    markers = {
        "outside": ("SQL outside", "query outside"),
        "store": ("writes ", "reads ", "declares TABLES", "is a dict {"),
        "owners": ("(one owner)", "which no migration creates"),
    }[kind]
    return [problem for problem in found if any(marker in problem for marker in markers)]


def test_sql_is_written_only_in_store_modules_and_migrations():
    problems = _problems("outside")
    assert not problems, report(problems)


def test_a_store_module_writes_its_own_tables_and_declares_what_it_reads():
    problems = _problems("store")
    assert not problems, report(problems)


def test_every_table_has_one_owner():
    problems = _problems("owners")
    assert not problems, report(problems)


def test_the_migrations_name_the_tables():
    tables = tables_created(package_modules())
    assert {"member", "grp", "event", "schema_migration", "archive_fts"} <= tables


SERVICE = '''
"""A service that still queries."""
from groupbox.db.engine import DB

async def event_get(event_id):
    """SELECT * FROM event in a docstring is prose, not a query."""
    label = "Select what to show from the list"
    return await DB.fetchone("SELECT * FROM event WHERE id = ?", event_id)

async def event_touch(event_id):
    async with DB.write() as tx:
        await tx.connection.execute(f"UPDATE event SET seq = seq + 1 WHERE id = {event_id}")
'''

STORE = '''
"""Events."""
from groupbox.db.engine import DB
from groupbox.db.sql import text_agg

TABLES = ("event", "rsvp")
READS = {"member": "why: the author's name on the list"}
FOREIGN_WRITES = {"tombstone": "why; common.store should do it"}

async def events_list(group_id, table):
    return await DB.fetch(
        f"WITH recent AS (SELECT id FROM event) SELECT e.*, m.display_name, {text_agg('r.status')} AS s"
        " FROM recent JOIN event e ON e.id = recent.id JOIN member m ON m.id = e.author_id"
        " LEFT JOIN rsvp r ON r.event_id = e.id WHERE e.group_id IN (SELECT g.id FROM event x, grp g WHERE g.id = ?)"
        f" AND EXISTS (SELECT 1 FROM {table}) GROUP BY e.id", group_id)

async def event_delete(event_id):
    await DB.execute("INSERT INTO tombstone (id) VALUES (?)"
                     " ON CONFLICT (id) DO UPDATE SET id = excluded.id", event_id)
    await DB.execute("DELETE FROM event WHERE id = ?", event_id)
    await DB.execute("UPDATE member SET left_at = ? WHERE id = ?", 1, 2)
    await DB.execute("DELETE FROM " + "notification WHERE object_id = ?", event_id)
'''

OTHER_STORE = '''
"""Members."""
TABLES = ("member", "rsvp", "nonsense")
'''


def test_the_boundary_check_catches_each_kind_of_violation():
    modules = [Module("groupbox/domain/objects/events.py", SERVICE),
               Module("groupbox/domain/objects/store/events.py", STORE),
               Module("groupbox/domain/groups/store.py", OTHER_STORE),
               Module("groupbox/db/migrations/m0099_x.py", 'STATEMENTS = ["CREATE TABLE event (id TEXT)"]')]
    tables = {"event", "rsvp", "member", "grp", "tombstone", "notification"}
    problems = check(modules, tables)
    service, store = "groupbox/domain/objects/events.py", "groupbox/domain/objects/store/events.py"
    assert sorted(problems) == sorted([
        f"{service}:8: SQL outside a store module ('SELECT * FROM event WHERE id = ?')",
        f"{service}:8: query outside a store module: DB.fetchone(…)",
        f"{service}:12: SQL outside a store module ('UPDATE event SET seq = seq + 1 WHERE id = __expr__')",
        f"{service}:12: query outside a store module: tx.connection.execute(…)",
        f"{store}:12: reads 'grp', not in its TABLES or READS",  # after a comma, in an f-string
        f"{store}:21: writes 'member', not in its TABLES (its owner's store should do it; else FOREIGN_WRITES with why)",
        f"{store}:22: writes 'notification', not in its TABLES (its owner's store should do it; else FOREIGN_WRITES"
        " with why)",  # built with +
        "groupbox/domain/groups/store.py:1: TABLES names 'nonsense', which no migration creates",
        f"{store}:1: table 'rsvp' is in the TABLES of {store}, groupbox/domain/groups/store.py (one owner)",
    ]), report(problems)
    # Checking one folder reports only what is found there.
    only = check(modules, tables, only=("groupbox/domain/groups",))
    assert only == ["groupbox/domain/groups/store.py:1: TABLES names 'nonsense', which no migration creates",
                    f"{store}:1: table 'rsvp' is in the TABLES of {store}, groupbox/domain/groups/store.py (one owner)"]
    assert tables_created(modules) == {"event"}


def test_declarations_may_use_constants_and_comprehensions_but_a_store_must_declare():
    kinds = Module("groupbox/domain/objects/kinds.py", 'KINDS = frozenset({"event", "task"})\n')
    store = Module("groupbox/domain/objects/store/common.py", '''
from groupbox.domain.objects.kinds import KINDS
TABLES: tuple[str, ...] = ("tombstone",)
_WHY = "one statement for every kind"
FOREIGN_WRITES = {**{table: "soft delete: " + _WHY for table in sorted(KINDS)}}
SOFT_DELETE = "UPDATE task SET deleted_at = ? WHERE id = ?"
''')
    undeclared = Module("groupbox/domain/files/store.py", 'ALL = "SELECT * FROM file"\n')
    package = Module("groupbox/domain/objects/store/__init__.py", '"""SQL for the objects area."""\n')
    tables = {"tombstone", "event", "task", "file"}
    assert check([kinds, store, undeclared, package], tables) == [
        "groupbox/domain/files/store.py:1: a store module declares TABLES = (...), the tables it owns, as a literal",
        "groupbox/domain/files/store.py:1: reads 'file', not in its TABLES or READS"]
