"""Render scored tables as the attachments people publish: HTML, PDF, Excel, Word, Markdown."""
