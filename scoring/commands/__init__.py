"""Click commands that live outside cli.py (batch, review, sets maintenance); cli.py registers them."""
