"""`python -m viewership.generator`."""

from viewership.generator.cli import main

raise SystemExit(main())
