"""Ordered, hand-written migrations: `mNNNN_<what>.py`, each with `STATEMENTS` (SQL run in one
transaction, in order). A fresh install and an upgrade run the same path (`groupbox migrate`)."""
