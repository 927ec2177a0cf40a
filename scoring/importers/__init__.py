"""Importers: fill-in workbooks for indicator sets and reading them back into submissions."""
