from playbookgen import pipeline


def test_valid_retro_checks_clean(playbook, write_retro):
    write_retro("2025/2025-03-11-osprey.md")
    checked = pipeline.check(playbook)
    assert [d.format() for d in checked.diagnostics] == []
    assert checked.playbook is not None
    assert [r.id for r in checked.playbook.retros] == ["2025-03-11-osprey"]
