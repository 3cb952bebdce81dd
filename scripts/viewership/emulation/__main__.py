"""`python -m viewership.emulation`."""

from viewership.emulation.cli import main

raise SystemExit(main())
