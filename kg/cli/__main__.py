"""`python -m kg.cli` runs the `cpkg` command line."""

from kg.cli import main

raise SystemExit(main())
