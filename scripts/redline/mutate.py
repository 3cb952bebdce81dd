import click


@click.command()
def mutate() -> None:
    """Not yet written."""
    raise SystemExit(2)
