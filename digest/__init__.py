"""Qingdao Digest: a static site generator for a bilingual (Chinese / English) news digest."""

__version__ = "0.1.0"
