"""`python -m viewership.bench` runs the benchmark (see cli.py)."""

from viewership.bench.cli import main

if __name__ == "__main__":
    main()
