"""The web app. Importing the package first puts stand-ins in place of modules Litestar imports
but a worker never uses, before any Litestar import can load them (groupbox/web/lazy.py)."""

from groupbox.web import lazy

lazy.defer("yaml", "annotated_types", "pdb")
