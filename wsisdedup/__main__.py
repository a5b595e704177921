"""`python -m wsisdedup` runs the command line."""

from wsisdedup.cli import main

raise SystemExit(main())
