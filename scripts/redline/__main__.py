"""`python -m redline` is the `redline` console command."""

from redline.cli import main

if __name__ == "__main__":
    main()
