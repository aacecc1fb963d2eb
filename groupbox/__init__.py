"""groupbox: structured coordination for groups, on a server you own."""

__version__ = "0.1.0"
