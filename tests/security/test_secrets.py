"""No secret is defaulted outside demo and development: without TRAINER_SECRET_KEY the application refuses to
start; where a key may be made up, it is random per installation and readable by its owner only."""
import stat

import pytest

from trainer import create_app


@pytest.fixture(autouse=True)
def no_configured_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("TRAINER_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("TRAINER_INSTANCE_PATH", str(tmp_path / "instance"))  # no trainer.cfg with a key in it


def config(tmp_path, **overrides):
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", **overrides}


@pytest.mark.parametrize("secret", [None, ""])
def test_production_refuses_to_start_without_a_secret(tmp_path, secret):
    with pytest.raises(RuntimeError, match="TRAINER_SECRET_KEY"):
        create_app(config(tmp_path, SECRET_KEY=secret))
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_an_empty_secret_in_the_environment_is_no_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINER_SECRET_KEY", "")
    with pytest.raises(RuntimeError, match="TRAINER_SECRET_KEY"):
        create_app(config(tmp_path))


def test_the_configured_secret_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINER_SECRET_KEY", "a" * 64)
    assert create_app(config(tmp_path)).secret_key == "a" * 64


@pytest.mark.parametrize("flag", ["DEMO", "DEBUG", "CLI"])
def test_demo_and_development_make_a_random_key_per_installation(tmp_path, monkeypatch, flag):
    first = create_app(config(tmp_path, **{flag: True})).secret_key
    key_file = tmp_path / "instance" / "secret_key"
    assert len(first) == 64 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app(config(tmp_path, **{flag: True})).secret_key == first  # kept across restarts
    monkeypatch.setenv("TRAINER_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    assert create_app(config(tmp_path, **{flag: True})).secret_key != first
