"""What a killed process left behind is gone when the server starts again, and only that: an
upload or an import that another process is still working on stays. Stored files and mail in
the outbox are readable by the server's user only."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from groupbox import scratch
from groupbox.db.engine import DB
from groupbox.domain.migration import archive_import
from groupbox.web.app import create_app
from tests.api.test_archive_import import NOTHING, good_zip, leftovers
from tests.factories import create_group, owner_person


def _start(config) -> None:
    """The server starts (and stops again)."""
    with TestClient(app=create_app(config)) as client:
        assert client.get("/api/health").status_code == 200


def test_a_killed_uploads_temp_folder_is_removed_when_the_server_starts(config):
    tmp = scratch.root(config.data_dir)
    dead = tmp / "import-k1ll3d"
    dead.mkdir()
    (dead / "WhatsApp Chat with U12.zip").write_bytes(b"PK" * 1000)
    (tmp / "backup-k1ll3d").mkdir()
    (tmp / "import-0123.lock").write_bytes(b"")
    (tmp / "tmpq8x1spool").write_bytes(b"not ours")  # what else spools here is left alone
    with scratch.folder(config.data_dir, "import-") as uploading:  # another worker, still receiving
        (uploading / "chat.zip").write_bytes(b"PK")
        _start(config)
        assert (uploading / "chat.zip").exists()
    assert sorted(p.name for p in tmp.iterdir()) == ["tmpq8x1spool"]


def test_a_half_finished_import_is_cleaned_up_when_the_server_starts(config, tmp_path, monkeypatch):
    async def killed(*args, **kwargs):  # the process died: nobody cleaned up
        return None

    def die(done, total):
        if done:
            raise RuntimeError("killed")

    with TestClient(app=create_app(config)) as client:
        def call(fn, *args, **kwargs):
            async def go():
                return await fn(*args, **kwargs)
            return client.blocking_portal.call(go)

        owner = call(owner_person)
        group = call(create_group, owner, "FC Kreuzberg U12 Parents")
        monkeypatch.setattr(archive_import, "_discard", killed)
        with pytest.raises(RuntimeError):
            call(archive_import.import_export, call(owner.actor), group["id"], good_zip(tmp_path, extra_lines=2500),
                 files_dir=config.files_dir, max_bytes=config.import_max_bytes, progress=die)
        monkeypatch.undo()
        import_id = call(DB.fetchone, "SELECT id FROM archive_import")["id"]
    assert leftovers(config)["messages"] == 2000 and leftovers(config)["files"] == 1

    with scratch.holding(config.data_dir, f"import-{import_id}.lock"):  # as if another process still ran it
        _start(config)
        assert leftovers(config)["messages"] == 2000
    _start(config)
    assert leftovers(config) == NOTHING


def test_an_older_instances_files_folder_becomes_private_when_the_server_starts(config):
    config.files_dir.chmod(0o755)
    _start(config)
    assert config.files_dir.stat().st_mode & 0o777 == 0o700


def test_stored_files_and_mail_in_the_outbox_are_for_the_servers_user_only(client, call, config):
    from groupbox.domain.files.storage import store_file
    from groupbox.domain.notify.mail import Mail, send

    assert config.files_dir.stat().st_mode & 0o777 == 0o700
    owner = call(owner_person)
    group = call(create_group, owner, "Class 4B Parents")

    async def schedule():
        yield b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"

    stored = call(store_file, group["id"], None, "Schedule.pdf", schedule(), config=config)
    assert (config.files_dir / stored["stored_name"]).stat().st_mode & 0o777 == 0o600

    outbox = call(send, config, Mail("anna@example.org", "Confirm your email", "https://example.org/verify/abc"))
    assert config.outbox_dir.stat().st_mode & 0o777 == 0o700
    assert (config.outbox_dir / outbox.rsplit("/", 1)[1]).stat().st_mode & 0o777 == 0o600
