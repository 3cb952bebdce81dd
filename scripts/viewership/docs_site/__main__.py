"""`python -m viewership.docs_site`."""

from viewership.docs_site.cli import main

raise SystemExit(main())
