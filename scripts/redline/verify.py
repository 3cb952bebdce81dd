import click


@click.command()
def verify() -> None:
    """Not yet written."""
    raise SystemExit(2)
