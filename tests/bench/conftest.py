"""The benchmarks are run with `python -m tests.bench`, never by pytest: nothing in this folder is collected."""

collect_ignore_glob = ["*"]
