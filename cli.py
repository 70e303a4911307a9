"""Thin shim: ``python cli.py ARGS`` does what ``siting ARGS`` does."""

from siting.cli import main

if __name__ == "__main__":
    main(prog_name="siting")
