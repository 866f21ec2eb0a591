import pytest

from vskdlearn.experiments import ConfigError, ExperimentConfig


def test_defaults_are_valid_and_teacher_defaults_per_dataset():
    config = ExperimentConfig()
    assert config.teacher_name == "video"
    assert ExperimentConfig(dataset="utd-mhad", data_home="x").teacher_name == "fusion"


def test_toml_round_trip(tmp_path):
    config = ExperimentConfig(
        dataset="utd-mhad",
        data_home='C:\\data "quoted"',
        teacher="skeleton",
        methods=["alone", "dask", "dask-d"],
        seeds=[3, 4],
        gaf_scaling=[-8.0, 8.0],
        grid={"angle_weight": [0.0, 1.0]},
        synthetic={"n_subjects": 4},
        output="out",
    )
    path = tmp_path / "config.toml"
    path.write_text(config.to_toml())
    assert ExperimentConfig.from_toml(path) == config
    # Options given on the command line override the file.
    assert ExperimentConfig.from_toml(path, seeds=[9]).seeds == [9]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"dataset": "kth"}, "Unknown dataset 'kth'"),
        ({"teacher": "depth"}, "no teacher 'depth'"),
        ({"student": "vgg"}, "Unknown student"),
        ({"methods": []}, "at least one method"),
        ({"methods": ["dask", "magic"]}, r"Unknown method\(s\) \['magic'\]"),
        ({"methods": ["dask", "dask"]}, "listed twice"),
        ({"seeds": []}, "seeds must be"),
        ({"seeds": [-1]}, "seeds must be"),
        ({"image_size": 0}, "image_size must be a positive int"),
        ({"lr": 0}, "lr must be a positive number"),
        ({"gaf_method": "product"}, "gaf_method must be"),
        ({"gaf_scaling": "minmax"}, "gaf_scaling must be"),
        ({"gaf_scaling": [2.0, -2.0]}, "low < high"),
        ({"cv_folds": 1}, "cv_folds must be an int >= 2"),
        ({"grid": {"dropout": [0.1]}}, "Cannot grid-search 'dropout'"),
        ({"grid": {"angle_weight": []}}, "non-empty list"),
        ({"grid": {"angle_weight": [1.0]}, "methods": ["kd"]}, "add it to methods"),
        ({"dataset": "utd-mhad"}, "needs --data-home.*UTD-MHAD"),
        ({"dataset": "mmact"}, "agreement"),
    ],
)
def test_bad_config(params, message):
    with pytest.raises(ConfigError, match=message):
        ExperimentConfig(**params)


def test_bad_toml_files(tmp_path):
    with pytest.raises(ConfigError, match="No configuration file"):
        ExperimentConfig.from_toml(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("dataset = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        ExperimentConfig.from_toml(bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('dataset = "synthetic"\nepochs = 3\n')
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['epochs'\]"):
        ExperimentConfig.from_toml(unknown)
