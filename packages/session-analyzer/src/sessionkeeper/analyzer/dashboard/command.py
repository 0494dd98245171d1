"""``session dashboard``: the command (click only at import; the web stack when it runs).

Exit status: 0 after Ctrl-C; 1 with one ``Error: ...`` line when the port is taken, the address
cannot be bound or the data directory is missing; 2 for a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.core import ParameterSource

__all__ = ["command"]


def _data_dir(ctx: click.Context, given: Path | None) -> Path:
    """``--data-dir``, else the ``session`` command's global one, else its discovery."""
    root = ctx.find_root()
    inherited = root.params.get("data_dir") if root is not ctx else None
    if given is not None and ctx.get_parameter_source("data_dir") is ParameterSource.COMMANDLINE:
        return given
    if inherited is not None:
        return Path(inherited)
    if given is not None:
        return given
    from sessionkeeper.core import resolve_data_dir

    return Path(resolve_data_dir(None))


@click.command(name="dashboard", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback is served only when asked, with a warning.",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Another name browsers may use for this server (its Host header); repeatable.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the dashboard in the default browser.")
@click.option("--lang", type=click.Choice(["en", "ko"]), default=None, help="Language [default: from LANG].")
@click.option(
    "--tz",
    "tz_name",
    metavar="ZONE",
    default=None,
    help="Time zone, e.g. Asia/Seoul [default: the system's].",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    envvar="SESSIONKEEPER_DATA_DIR",
    default=None,
    help="Data directory (or SESSIONKEEPER_DATA_DIR).",
)
@click.pass_context
def command(
    ctx: click.Context,
    port: int,
    host: str,
    allow_hosts: tuple[str, ...],
    open_browser: bool,
    lang: str | None,
    tz_name: str | None,
    data_dir: Path | None,
) -> None:
    """Serve a live web page of the sessions: now, trends, tasks (local, token-protected, read-only).

    Prints a URL holding a one-time token; open it (or pass --open). Serves until Ctrl-C.
    """
    from sessionkeeper.analyzer.messages import Messages, default_language
    from sessionkeeper.analyzer.period import resolve_zone

    say = Messages(lang or default_language())
    folder = _data_dir(ctx, data_dir)
    if not folder.is_dir():
        raise click.ClickException(say("dash.cli.no_data_dir", path=str(folder)))
    try:
        from .server import is_loopback, serve
    except ImportError as exc:
        raise click.ClickException(say("dash.cli.missing", name=exc.name or str(exc))) from None
    if not is_loopback(host):
        click.echo(say("dash.cli.exposed", host=host), err=True)
    click.echo(say("dash.cli.serving", path=str(folder.absolute())), err=True)
    try:
        serve(
            folder,
            host=host,
            port=port,
            zone=resolve_zone(tz_name),
            language=say.language,
            open_browser=open_browser,
            extra_hosts=allow_hosts,
            echo=click.echo,
        )
    except OSError as exc:
        raise click.ClickException(
            say("dash.cli.bind", host=host, port=port, error=exc.strerror or str(exc))
        ) from None
    except KeyboardInterrupt:
        sys.exit(0)
