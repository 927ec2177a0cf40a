"""Finance-bureau batch work: score a directory, stream results, summarise."""

DEFAULT_TIMEOUT = 120  # seconds per file in a batch: a table takes milliseconds, its PDF about a second
