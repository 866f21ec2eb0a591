"""The options of ``vskd run`` are made from ExperimentConfig's fields."""

import dataclasses

import pytest

from vskdlearn import cli
from vskdlearn.experiments import ExperimentConfig


def _run_options():
    parser = cli.build_parser()
    run = parser._subparsers._group_actions[0].choices["run"]
    return {a.dest: a for a in run._actions}


def test_every_config_field_is_an_option():
    options = _run_options()
    for spec in dataclasses.fields(ExperimentConfig):
        if spec.name == "synthetic":  # a TOML table
            assert spec.name not in options
            continue
        assert spec.name in options, spec.name
        assert options[spec.name].option_strings[0] == "--" + spec.name.replace(
            "_", "-"
        )
        assert options[spec.name].help


@pytest.mark.parametrize(
    "argv, field, value",
    [
        (["--gaf-method", "summation"], "gaf_method", "summation"),
        (["--n-timestamps", "64"], "n_timestamps", 64),
        (["--n-frames", "4"], "n_frames", 4),
        (["--device", "cuda:1"], "device", "cuda:1"),
        (["--mixed-precision"], "mixed_precision", True),
        (["--no-augmentation"], "augmentation", False),
        (["--seeds", "2"], "seeds", [0, 1]),
        (["--methods", "alone,dask"], "methods", ["alone", "dask"]),
        (
            ["--grid", "angle_weight=0,1", "--grid", "lr=0.1"],
            "grid",
            {"angle_weight": [0.0, 1.0], "lr": [0.1]},
        ),
        (["--gaf-scaling=-8,8"], "gaf_scaling", [-8.0, 8.0]),
        (["--save-models"], "save_models", True),
    ],
)
def test_options_reach_the_config(argv, field, value):
    args = cli.build_parser().parse_args(["run", "--dataset", "synthetic", *argv])
    config = cli._config_from_args(args)
    assert getattr(config, field) == value


def test_options_not_given_keep_the_config_files_values(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('dataset = "synthetic"\ndevice = "cpu:0"\nn_frames = 4\n')
    args = cli.build_parser().parse_args(
        ["run", "--config", str(path), "--n-frames", "6"]
    )
    config = cli._config_from_args(args)
    assert (config.device, config.n_frames) == ("cpu:0", 6)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--device", "gpu"], "not a torch device"),
        (["--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_bad_cluster_and_device_options_are_messages(capsys, tmp_path, argv, message):
    out = tmp_path / "out"
    status = cli.main(
        ["run", "--dataset", "synthetic", "--output", str(out), "--quiet", *argv]
    )
    assert status == 2 and message in capsys.readouterr().err
