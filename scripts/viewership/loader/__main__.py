"""``python -m viewership.loader`` = ``viewership-load``."""

from viewership.loader.cli import main

main()
