#!/usr/bin/env python3
"""Qingdao Digest: `python build.py [build|serve|check|new|publish] …` (see README.md)."""
import sys

from digest.cli import main

if __name__ == "__main__":
    sys.exit(main())
