"""Viewership pipeline tooling: upload-table schema, target connections, synthetic generator, loader."""
