"""`credence calendar`: which years' working days follow the official holiday schedule."""

from __future__ import annotations

import typer

calendar_app = typer.Typer(no_args_is_help=True, help="The working-day calendar.")


@calendar_app.command("status")
def calendar_status() -> None:
    """Which years follow the official holiday schedule and which the provisional one."""
    from core.calendar.workdays import PACKAGE_YEARS, WorkCalendar
    from core.clock import clock
    from core.errors import InvalidInput
    from core.settings import Settings

    path = Settings().holiday_overrides_file
    try:
        calendar = WorkCalendar.from_overrides_file(path)
    except InvalidInput as exc:
        typer.echo(f"credence: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    first, last = PACKAGE_YEARS.start, PACKAGE_YEARS.stop - 1
    typer.echo(f"official (chinesecalendar package data): {first}-{last}")
    declared = sorted(calendar.declared_years())
    where = "none configured" if path is None else str(path)
    typer.echo(
        f"official (overrides file, {where}): "
        + (", ".join(map(str, declared)) if declared else "no years declared")
    )
    typer.echo(
        "provisional: every other year (statutory holidays with weekend make-up days; "
        "no shifted working weekends); its deadlines are marked and counted again"
    )
    this_year = clock.today().year
    for year in (this_year, this_year + 1):
        kind = "official" if calendar.is_official(year) else "provisional"
        typer.echo(f"{year}: {kind}")
