"""The demo: the Taiyuan directory, the role groups, and one login per kind of user.

Passwords are random on first creation and kept in VAR_DIR/demo-logins.json (git-ignored),
so a demo database never ships with a guessable password and every run prints the same ones.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from regions.models import Region, User
from regions.selectors import directory_resolve_name
from regions.services import directory_load_taiyuan, roles_setup, user_upsert


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    description: str


_DEMO_USERS = [
    # username, role, display name, unit short name or region code, description
    ("coordinator", User.Role.COORDINATOR, "市政务公开办", "140100", "协调员(太原市政务公开办)"),
    ("leader", User.Role.LEADER, "分管领导", "140100", "领导(只读)"),
    ("fgw", User.Role.UNIT_USER, "市发改委联络员", "市发改委", "部门用户(市发改委)"),
    ("xiaodian", User.Role.UNIT_USER, "小店区联络员", "小店区政府", "县区用户(小店区政府)"),
]


@transaction.atomic
def demo_load() -> list[DemoLogin]:
    directory_load_taiyuan()
    roles_setup()
    path = settings.VAR_DIR / "demo-logins.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    city = Region.objects.get(code="140100")
    logins = []
    for username, role, name, target, description in _DEMO_USERS:
        password = stored.get(username) or secrets.token_urlsafe(9)
        if role == User.Role.UNIT_USER:
            unit = directory_resolve_name(region=city, name=target).unit
            user_upsert(
                username=username, password=password, role=role, display_name=name, unit=unit
            )
        else:
            region = Region.objects.get(code=target)
            user_upsert(
                username=username, password=password, role=role, display_name=name, region=region
            )
        logins.append(DemoLogin(username, password, description))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({login.username: login.password for login in logins}, indent=2))
    path.chmod(0o600)
    return logins
