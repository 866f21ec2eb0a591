"""The ``vskd`` command: the paper's experiments, one command per dataset.

``vskd demo`` runs the whole pipeline on synthetic data with no download;
``vskd run`` runs a dataset in its authors' layout and writes a report;
``vskd fetch`` downloads a dataset that has a public download.
Errors are one-line messages, not tracebacks; Ctrl-C keeps what finished.
"""

import argparse
import shlex
import sys
from pathlib import Path

__all__ = ["main"]

DEMO = {
    "dataset": "synthetic",
    "teacher": "video",
    "student": "sensor",
    "methods": ["alone", "kd", "rkd", "dask"],
    "seeds": [0, 1],
    "teacher_epochs": 15,
    "student_epochs": 40,
}


# How long `vskd demo` takes, as the README says too (a test keeps them equal).
DEMO_TIME = "about 2 minutes on two idle CPU cores"


class CommandError(Exception):
    """Something the user can fix; printed as ``vskd: error: ...``."""


_OVERWRITE_HELP = "replace the report already in the --output folder"


def _add_config_options(parser):
    """One option per field of ExperimentConfig, from the field's metadata.

    Every default is None, "not given": the config file's value or the
    field's default holds then.
    """
    import dataclasses

    from .experiments import ExperimentConfig

    for spec in dataclasses.fields(ExperimentConfig):
        help_text = spec.metadata.get("help")
        if help_text is None:
            continue
        kwargs = {k: v for k, v in spec.metadata["cli"].items() if k != "convert"}
        if callable(kwargs.get("choices")):
            kwargs["choices"] = kwargs["choices"]()
        if spec.type is bool:
            kwargs.setdefault("action", argparse.BooleanOptionalAction)
        elif kwargs.get("action") is None and spec.type in (int, float):
            kwargs.setdefault("type", spec.type)
        parser.add_argument(
            "--" + spec.name.replace("_", "-"),
            dest=spec.name,
            default=None,
            help=help_text() if callable(help_text) else help_text,
            **kwargs,
        )


def _add_run_parser(sub):
    run = sub.add_parser(
        "run",
        help="the paper's table for one dataset: teacher, student alone, "
        "baselines, DASK and its ablations, over several seeds",
    )
    run.add_argument(
        "--config",
        help="a config.toml (as written by a previous run); "
        "options given here override it",
    )
    _add_config_options(run)
    run.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="run the fits on N local worker processes (a Dask LocalCluster; "
        "needs vskdlearn[dask])",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the fits on a running Dask cluster, e.g. tcp://10.0.0.5:8786",
    )
    run.add_argument("--quiet", action="store_true", help="no progress output")
    run.add_argument("--overwrite", action="store_true", help=_OVERWRITE_HELP)


def build_parser():
    from .experiments._config import comma_list

    parser = argparse.ArgumentParser(
        prog="vskd",
        description="Vision-to-sensor knowledge distillation (VSKD / DASK) for "
        "human activity recognition.",
    )
    from . import __version__

    parser.add_argument(
        "--version", action="version", version=f"vskdlearn {__version__}"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="distil a video teacher into an accelerometer student on synthetic "
        f"data (no download; {DEMO_TIME})",
        description="Train a video teacher and four accelerometer students (alone, "
        "KD, RKD, DASK) over two seeds on synthetic activities, with no download, "
        f"and print their table: {DEMO_TIME}. The progress bar shows the model "
        "in training and its epoch.",
    )
    demo.add_argument("--output", help="also write the report to this folder")
    demo.add_argument("--quiet", action="store_true", help="no progress output")
    demo.add_argument("--overwrite", action="store_true", help=_OVERWRITE_HELP)

    _add_run_parser(sub)

    export = sub.add_parser(
        "export",
        help="turn a fitted student (.joblib, e.g. from vskd run --save-models) "
        "into an ONNX or TorchScript file that takes raw windows",
    )
    export.add_argument("model", help="a .joblib file holding a fitted model")
    export.add_argument(
        "-o",
        "--output",
        required=True,
        help="the file to write: .onnx (ONNX) or .pt (TorchScript)",
    )
    export.add_argument(
        "--quantize",
        choices=["dynamic"],
        help="int8 weights (ONNX only, onnxruntime's dynamic quantization)",
    )

    fetch = sub.add_parser(
        "fetch",
        help="download a dataset that has a public download (UTD-MHAD) into the "
        "data home",
        description="Download a dataset's archives from its authors' site once, "
        "extract them, check that they load, and say which --data-home to give "
        "vskd run.",
    )
    fetch.add_argument("dataset", choices=sorted(FETCHABLE))
    fetch.add_argument(
        "--data-home",
        help="vskdlearn's data home (default $VSKDLEARN_DATA or ~/vskdlearn_data); "
        "the dataset goes into its own folder there, e.g. utd_mhad/",
    )
    fetch.add_argument(
        "--modalities",
        type=comma_list,
        default=["inertial", "skeleton"],
        help="comma-separated, among inertial, skeleton, depth, video (default "
        "inertial,skeleton: the student's sensor and the fusion teacher's inputs; "
        "video is 1.1 GB)",
    )
    fetch.add_argument(
        "--mirror", metavar="URL", help="another location holding the same archives"
    )
    fetch.add_argument("--quiet", action="store_true", help="no progress output")
    return parser


# Datasets with a public download: the vskdlearn.datasets function that fetches
# it, its folder in the data home, and where the archives come from.
FETCHABLE = {
    "utd-mhad": (
        "fetch_utd_mhad",
        "utd_mhad",
        "https://personal.utdallas.edu/~kehtar/UTD-MHAD.html",
    ),
}


def _fetch(args):
    """``vskd fetch``: download, load once to check, say where the data is."""
    import warnings

    from . import datasets

    function, folder, home_page = FETCHABLE[args.dataset]
    fetch = getattr(datasets, function)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            data = fetch(
                tuple(args.modalities),
                data_home=args.data_home,
                base_url=args.mirror,
                progress=not args.quiet,
            )
        except OSError as exc:  # URLError and checksum mismatches are OSErrors
            reason = getattr(exc, "reason", None) or exc.strerror or exc
            raise CommandError(
                f"cannot fetch {args.dataset}: {reason}. Check the connection, "
                f"or download the archives by hand (see {home_page})."
            ) from None
        except ValueError as exc:  # unknown modality, files that do not load
            raise CommandError(str(exc)) from None
    for warning in caught:
        if not args.quiet:
            print(f"vskd: warning: {warning.message}", file=sys.stderr)
    folder = Path(datasets.get_data_home(args.data_home)) / folder
    print(
        f"{args.dataset}: {len(data.target)} recordings ({', '.join(args.modalities)}) "
        f"in {folder}\nrun: vskd run --dataset {args.dataset} --data-home "
        f"{shlex.quote(str(folder))}"
    )
    return 0


def _config_from_args(args):
    import dataclasses

    from .experiments import ConfigError, ExperimentConfig

    if args.command == "demo":
        return ExperimentConfig(**DEMO, output=args.output)
    overrides = {}
    for spec in dataclasses.fields(ExperimentConfig):
        value = getattr(args, spec.name, None)
        convert = spec.metadata.get("cli", {}).get("convert")
        if value is not None and convert is not None:
            value = convert(value)
        overrides[spec.name] = value
    if args.config:
        config = ExperimentConfig.from_toml(args.config, **overrides)
    else:
        if args.dataset is None:
            raise ConfigError("Say which data to run on: --dataset (or --config FILE).")
        config = ExperimentConfig(
            **{k: v for k, v in overrides.items() if v is not None}
        )
    if config.output is None:
        config.output = str(Path("vskd-results") / config.dataset)
    return config


def _check_output_free(folder, overwrite):
    """Refuse a folder holding anything, unless ``overwrite``: then clear our files."""
    folder = Path(folder)
    if not folder.is_dir() or not any(folder.iterdir()):
        return
    if not overwrite:
        raise CommandError(
            f"{folder} is not empty (a previous report?); pass --overwrite to "
            "replace it, or choose another folder with --output."
        )
    # A report from an earlier run must not mix with this one (a figure the new
    # run does not make would stay behind); other files are left alone.
    from .experiments._report import FIGURES

    for name in (
        "report.md",
        "results.csv",
        "summary.csv",
        "config.toml",
        *FIGURES.values(),
    ):
        path = folder / name
        try:
            if path.is_file():
                path.unlink()
        except OSError as exc:
            raise _write_error(exc, folder) from None


def _check_writable(folder):
    """Make ``folder`` and prove it writable; return the folders made, deepest first."""
    folder = Path(folder)
    made = [path for path in (folder, *folder.parents) if not path.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".vskd-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        _remove_empty(made)
        raise CommandError(
            f"cannot write the report to {folder}: {exc.strerror or exc}. Choose "
            "another folder with --output."
        ) from None
    return made


def _remove_empty(folders):
    # A run that stops before writing anything leaves no empty folder behind.
    for path in folders:
        try:
            path.rmdir()
        except OSError:
            return


def _write_error(exc, folder):
    # exc.filename names the file that failed; a full disk does not always say.
    return CommandError(
        f"cannot write {exc.filename or folder}: {exc.strerror or exc}. Choose "
        "another folder with --output."
    )


def _check_data_home(config):
    from .experiments import DATASETS

    if config.data_home is None:
        return
    path = Path(config.data_home).expanduser()
    if not path.is_dir():
        raise CommandError(
            f"no {config.dataset} data at {path}. {DATASETS[config.dataset].where_to_get}"
        )


def _export(args):
    """``vskd export MODEL -o FILE``; returns the exit status."""
    import joblib

    from .export import ExportError, to_onnx, to_torchscript

    try:
        if not Path(args.model).is_file():
            raise CommandError(f"no such file: {args.model}")
        try:
            model = joblib.load(args.model)
        except Exception as exc:
            raise CommandError(
                f"{args.model} is not a joblib file of a fitted vskdlearn model "
                f"({type(exc).__name__}: {exc})"
            ) from None
        output = str(args.output)
        if output.endswith(".onnx"):
            to_onnx(model, output, quantize=args.quantize)
        elif output.endswith((".pt", ".pth")):
            if args.quantize:
                raise CommandError("--quantize applies to ONNX files (.onnx) only.")
            to_torchscript(model, output)
        else:
            raise CommandError(
                f"say the format by the file name: {output} should end in .onnx "
                "(ONNX) or .pt (TorchScript)."
            )
    except (CommandError, ExportError, ImportError) as exc:
        print(f"vskd: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {output}")
    return 0


def main(argv=None):
    """Entry point of the ``vskd`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "export":
        return _export(args)
    if args.command == "fetch":
        try:
            return _fetch(args)
        except CommandError as exc:
            print(f"vskd: error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            # download() deletes a partial file; finished archives are kept.
            print(
                "vskd: interrupted; vskd fetch again downloads only what is missing.",
                file=sys.stderr,
            )
            return 130
    from tqdm.auto import tqdm

    from .datasets import DatasetFileError
    from .experiments import ConfigError, format_table, run_experiment, write_report
    from .experiments._cluster import open_client

    try:
        config = _config_from_args(args)
        _check_data_home(config)
        if config.output:
            _check_output_free(config.output, args.overwrite)
        # Last, once everything else is known to be runnable: it makes folders.
        made = _check_writable(config.output) if config.output else []
    except (ConfigError, CommandError) as exc:
        print(f"vskd: error: {exc}", file=sys.stderr)
        return 2

    quiet = args.quiet

    def log(message):
        if not quiet:
            # tqdm.write keeps the progress bar whole below the message.
            tqdm.write(f"vskd: {message}", file=sys.stderr)

    command = "vskd " + shlex.join(argv or sys.argv[1:])

    def keep(row, result):
        # Results of finished models reach the disk at once, so an interrupted
        # or crashed run loses only the model in progress.
        if config.output:
            try:
                Path(config.output).mkdir(parents=True, exist_ok=True)
                result.runs.to_csv(Path(config.output, "results.csv"), index=False)
            except OSError as exc:
                raise _write_error(exc, config.output) from None

    try:
        cluster = getattr(args, "workers", None), getattr(args, "scheduler", None)
        with open_client(*cluster, log=log) as client:
            on_cluster = {} if client is None else {"client": client}
            result = run_experiment(
                config, progress=not quiet, on_run=keep, log=log, **on_cluster
            )
    except (ConfigError, CommandError, DatasetFileError, FileNotFoundError) as exc:
        _remove_empty(made)
        print(f"vskd: error: {exc}", file=sys.stderr)
        return 2

    summary = result.summary()
    if not summary.empty:
        print(format_table(summary, style="text"))
    if config.output:
        try:
            report = write_report(result, config, config.output, command=command)
        except OSError as exc:
            print(f"vskd: error: {_write_error(exc, config.output)}", file=sys.stderr)
            return 2
        print(f"\nreport: {report}")
    if result.interrupted:
        print("vskd: interrupted; finished models were kept.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
