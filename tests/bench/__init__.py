"""Baton's benchmark suite: `python -m tests.bench [--quick] [--only CASE] [--database sqlite|postgres|both]`.

Never collected by pytest (see conftest.py); README.md in this folder has the results and how to read them.
"""
