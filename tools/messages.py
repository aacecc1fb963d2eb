"""`make messages`: extract every msgid of the code and the templates into
groupbox/locale/messages.pot, merge it into each language's messages.po (new msgids empty,
changed ones fuzzy until someone checks them, removed ones obsolete), and compile the .mo
files that ship in the package. Translate in the .po, then run it again."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from groupbox import i18n  # noqa: E402 - after the path, for a run from anywhere

TEMPLATE = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"
WIDTH = 100


def extract() -> Catalog:
    """Every msgid in groupbox/**.py and templates/**.html (babel.cfg), with where it is used."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = Catalog(project="groupbox", msgid_bugs_address="", copyright_holder="groupbox", charset="utf-8")
    # Babel warns about every f-string passed as a keyword value (`n=f"{count:,}"`): those are
    # values, not messages, so the warnings are noise.
    with contextlib.redirect_stderr(io.StringIO()):
        found = list(extract_from_dir(str(ROOT), method_map, options_map, keywords=i18n.KEYWORDS,
                                      comment_tags=("Translators:",), strip_comment_tags=True))
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def update(template: Catalog, language: str) -> Catalog:
    path = po_path(language)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        catalog = Catalog(locale=language, project="groupbox", charset="utf-8")
    catalog.update(template)
    catalog.fuzzy = False  # the header; the entries keep their own flags
    return catalog


def write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        # File names without line numbers: a template edited elsewhere does not churn the catalogs.
        write_po(handle, catalog, width=WIDTH, include_lineno=False, sort_by_file=False)


def compile_mo(catalog: Catalog, language: str) -> Path:
    path = po_path(language).with_suffix(".mo")
    with path.open("wb") as handle:
        write_mo(handle, catalog)  # fuzzy entries stay out: English until someone checks them
    return path


def main() -> int:
    template = extract()
    write(TEMPLATE, template)
    for language in i18n.LANGUAGES:
        if language == i18n.SOURCE:
            continue
        catalog = update(template, language)
        write(po_path(language), catalog)
        compile_mo(catalog, language)
        missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy or
                                                      (isinstance(m.string, tuple) and not all(m.string)))]
        print(f"{language}: {len(template)} messages, {len(missing)} to translate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
