"""The use cases, one module per concern; `models.use_cases` gathers their public functions."""
