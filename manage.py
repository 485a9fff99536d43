#!/usr/bin/env python
import os
import sys
from pathlib import Path


def main():
    from ombudsman import dotenv

    dotenv.load(Path(__file__).resolve().parent / ".env")  # as make does: see ombudsman/dotenv.py
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ombudsman.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
