"""The Textual faces. Everything here calls the same service functions as the CLI; nothing below
this package imports Textual (tests/test_import_hygiene.py)."""
