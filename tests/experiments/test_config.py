import pytest

from vskdlearn.experiments import DATASETS, ConfigError, ExperimentConfig


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
        (
            {"student": "small", "image_size": 64, "n_timestamps": 32},
            "image_size=64 is larger than n_timestamps=32",
        ),
        ({"synthetic": {"noise": 1.0, "seeds": [0]}}, "'seeds' is a top-level"),
        ({"synthetic": {"n_timestamps": 64}}, "'n_timestamps' is a top-level"),
        ({"synthetic": {"nois": 1.0}}, r"Unknown key 'nois' in the \[synthetic\]"),
        ({"synthetic": 3}, "synthetic must be a table"),
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
        (
            {"protocol": "trial"},
            r"no protocol 'trial'; choose one of \['cross_subject'\]",
        ),
        (
            {"dataset": "mmact", "data_home": "x", "protocol": "cross_view"},
            "no protocol 'cross_view'.*'cross_scene'",
        ),
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
    with pytest.raises(ConfigError, match="is a folder, not a configuration file"):
        ExperimentConfig.from_toml(tmp_path)
    yaml = tmp_path / "config.YAML"
    yaml.write_text("")
    with pytest.raises(
        ConfigError, match="is a YAML file; configuration files are TOML"
    ):
        ExperimentConfig.from_toml(yaml)


def _dataset_trees():
    # The fixture-tree builders of the dataset tests (tests/ is not a package).
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "datasets" / "_trees.py"
    spec = importlib.util.spec_from_file_location("_trees_for_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The trees hold a few recordings of each dataset; the loaders list the rest.
@pytest.mark.filterwarnings("ignore::vskdlearn.datasets.MissingRecordingsWarning")
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_protocols_are_those_of_the_loaders(tmp_path, monkeypatch, dataset):
    # DatasetSpec.protocols validates configs before loading; it must say what
    # the loaders do.
    monkeypatch.setenv("VSKDLEARN_DATA", str(tmp_path / "data-home"))
    trees = _dataset_trees()
    builders = {
        "utd-mhad": trees.utd_tree,
        "berkeley-mhad": trees.berkeley_tree,
        "mmact": trees.mmact_tree,
    }
    if dataset == "synthetic":
        config = ExperimentConfig(
            synthetic={"n_subjects": 2, "n_classes": 2, "n_recordings": 1},
            n_timestamps=16,
            image_size=16,
            n_frames=4,
        )
    else:
        root = builders[dataset](tmp_path / dataset)
        config = ExperimentConfig(dataset=dataset, data_home=str(root))
    assert DATASETS[dataset].load(config).protocols == DATASETS[dataset].protocols


@pytest.mark.parametrize(
    ("teacher", "modalities", "video_size"),
    [
        ("depth", ("depth", "inertial"), (120, 160)),
        ("fusion-depth", ("depth", "inertial", "skeleton"), (120, 160)),
        ("fusion", ("inertial", "skeleton"), None),
    ],
)
def test_a_teacher_entry_adds_its_loader_options(
    monkeypatch, teacher, modalities, video_size
):
    # The depth teacher crops the body out of its frames: it needs them larger
    # than the loader's default, and the other teachers must not pay for that.
    from vskdlearn import datasets

    calls = []
    monkeypatch.setattr(
        datasets, "load_utd_mhad", lambda root, **kwargs: calls.append(kwargs)
    )
    config = ExperimentConfig(dataset="utd-mhad", data_home="x", teacher=teacher)
    DATASETS["utd-mhad"].load(config)
    (kwargs,) = calls
    assert kwargs["modalities"] == modalities
    assert kwargs.get("video_size") == video_size
    assert kwargs["n_frames"] == (32 if video_size else config.n_frames)
    expected = {"lr": 3e-3, "lr_schedule": "onecycle"} if teacher == "depth" else {}
    assert DATASETS["utd-mhad"].teachers[teacher].params == expected
