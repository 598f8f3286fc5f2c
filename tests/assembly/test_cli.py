"""The assembly commands as scripts run them (exit codes, --json documents)."""

from __future__ import annotations

from newsletter.service import Service
from tests.support.cli import Cli


def test_rsvp_status_and_remind_from_the_command_line(
    cli: Cli, service: Service, people: dict[str, int], assembly_id: int
) -> None:
    aid = str(assembly_id)
    yes = cli("assembly", "rsvp", aid, "--email", "accueil@maison.example.org",
              "--answer", "yes", "--people", "2", "--json")  # fmt: skip
    assert yes.code == 0, yes.err
    assert yes.json()["answer"] == "yes" and yes.json()["people"] == 2
    proxy = cli("assembly", "rsvp", aid, "--email", "onthaal@buurthuis.example.org", "--answer",
                "proxy", "--proxy-to", "Maison de quartier Exemple", "--json")  # fmt: skip
    assert proxy.code == 0, proxy.err
    assert proxy.json()["proxy_to"] == "Maison de quartier Exemple"
    second = cli("assembly", "rsvp", aid, "--email", "direction@centre.example.org",
                 "--answer", "proxy", "--proxy-to", "Maison de quartier Exemple")  # fmt: skip
    assert second.code == 1 and "procurations" in second.err and second.out == ""
    missing = cli("assembly", "rsvp", aid, "--email", "direction@centre.example.org",
                  "--answer", "proxy")  # fmt: skip
    assert missing.code == 2
    status = cli("assembly", "status", aid, "--json")
    assert status.code == 0, status.err
    assert status.json() == {
        "answered": 2, "not_answered": 2, "people": 2, "organisations": 1,
        "voting_present": 1, "voting_represented": 1, "quorum": 2, "quorum_reached": True,
    }  # fmt: skip
    plain = cli("assembly", "status", aid)
    assert "Centre Exemple" in plain.out and "atteint" in plain.out
    planned = cli("assembly", "remind", aid, "--json")
    assert planned.code == 0 and planned.json()["planned_at"] is not None
    early = cli("assembly", "remind", aid, "--now")
    assert early.code == 1 and "invitation" in early.err  # the invitation went nowhere yet
    invite = cli("assembly", "invite", aid, "--json")
    assert invite.code == 0 and invite.json()["issue"] > 0
