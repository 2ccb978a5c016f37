"""`python -m cpkg.cli` runs the `cpkg` command line."""

from cpkg.cli import main

raise SystemExit(main())
