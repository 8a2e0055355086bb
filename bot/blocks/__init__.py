"""Block Kit builders: pure functions over slack_sdk.models, no I/O and no clock."""
