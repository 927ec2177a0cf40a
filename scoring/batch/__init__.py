"""Finance-bureau batch work: score a directory, stream results, summarise."""
