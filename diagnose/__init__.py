"""diagnose: find out why buyers return what they bought.

The library reads platform after-sales exports (`diagnose.ingest`), tags
every return with its reason (`diagnose.classify`, `diagnose.model`) and
turns the tagged table into causes and fixes (`diagnose.report`).
"""
__version__ = "0.1.0"
