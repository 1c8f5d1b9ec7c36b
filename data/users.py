"""Users of the product: creation, passwords (werkzeug hashes), sign-in checks, demo users."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, select, union
from werkzeug.security import check_password_hash, generate_password_hash

from data.access import ROLES, Scope
from data.models import Salesperson, Setting, User
from data.signin_state import SignInState, signin_state

MIN_PASSWORD_LENGTH = 8
# The demo company's users; their passwords are printed on start, and only a demo database has them.
DEMO_USERS = (
    ("leader", "leadership", None, None, "leader-demo-pass"),
    ("manager", "manager", None, "North", "manager-demo-pass"),
    ("sales", "salesperson", "SP01", None, "sales-demo-pass"),
    ("admin", "admin", None, None, "admin-demo-pass"),
)
DEMO_FLAG = "demo_company"


class UserError(ValueError):
    """A user command that cannot be carried out, with the reason in words."""


def create_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    salesperson: str | None = None,
    team: str | None = None,
    *,
    new_salesperson: bool = False,
    new_team: bool = False,
) -> None:
    """A new active user. A salesperson user's code and a manager's team must exist in the data,
    unless `new_salesperson` / `new_team` says to start a new one."""
    _check_password(password)
    with engine.begin() as conn:
        if conn.execute(select(User.username).where(User.username == username)).first():
            raise UserError(f"user {username!r} exists already")
        assigned = _assignment(conn, role, salesperson, team, new_salesperson, new_team)
        conn.execute(
            User.__table__.insert().values(
                username=username,
                password_hash=generate_password_hash(password),
                role=role,
                active=True,
                **assigned,
            )
        )


def set_role(
    engine: Engine,
    username: str,
    role: str,
    salesperson: str | None = None,
    team: str | None = None,
    *,
    acting: str | None = None,
    new_salesperson: bool = False,
    new_team: bool = False,
) -> None:
    """Give the user another role (and salesperson code or team); every session of the user ends.
    An admin cannot change their own role, and the last active admin stays admin."""

    def check(conn: Connection, user) -> dict:
        assigned = _assignment(conn, role, salesperson, team, new_salesperson, new_team)
        if user.role == "admin" and role != "admin":
            _keep_an_admin(conn, user, acting, "change your own role")
        return {"role": role, **assigned}

    _update(engine, username, check)


def teams(engine: Engine) -> list[str]:
    """The teams in the data (the salespeople's) and those given to managers, sorted."""
    with engine.connect() as conn:
        return _teams(conn)


def salespeople(engine: Engine) -> list[tuple[str, str]]:
    """(code, name) of every salesperson in the data, by code."""
    with engine.connect() as conn:
        rows = conn.execute(select(Salesperson.code, Salesperson.name).order_by(Salesperson.code))
        return [(code, name or code) for code, name in rows]


def _teams(conn: Connection) -> list[str]:
    query = union(select(Salesperson.team), select(User.team).where(User.role == "manager"))
    return sorted(team for team in conn.execute(query).scalars() if team)


def _assignment(
    conn: Connection, role: str, salesperson, team, new_salesperson: bool, new_team: bool
) -> dict:
    """The salesperson code and team a user of `role` is tied to, checked against the data; a new
    salesperson code (said explicitly) is added to the salespeople."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if role == "salesperson":
        if not salesperson:
            raise UserError("a salesperson user needs --salesperson CODE")
        known = conn.execute(select(Salesperson.code).where(Salesperson.code == salesperson))
        if known.first() is None:
            if not new_salesperson:
                raise UserError(
                    f"no salesperson with code {salesperson!r} in the data; choose an existing "
                    "code, or start a new one explicitly (--new-salesperson, or "
                    '"New salesperson code…" on the Admin screen)'
                )
            conn.execute(Salesperson.__table__.insert().values(code=salesperson, name=salesperson))
        return {"salesperson_code": salesperson, "team": None}
    if role == "manager":
        if not team:
            raise UserError("a manager user needs --team TEAM")
        existing = _teams(conn)
        if team not in existing and not new_team:
            listed = ", ".join(existing) or "none yet"
            raise UserError(
                f"no team {team!r} in the data (teams: {listed}); choose an existing team, or "
                'start a new one explicitly (--new-team, or "New team…" on the Admin screen)'
            )
        return {"salesperson_code": None, "team": team}
    return {"salesperson_code": None, "team": None}


def set_password(engine: Engine, username: str, password: str) -> None:
    """A new password; every session of the user ends."""
    _check_password(password)
    hashed = generate_password_hash(password)
    _update(engine, username, lambda _conn, _user: {"password_hash": hashed})


def deactivate_user(engine: Engine, username: str, acting: str | None = None) -> None:
    """The user can no longer sign in; every session of the user ends. The last active admin
    cannot be deactivated, nor can an admin (`acting`) deactivate themselves."""
    _update(engine, username, lambda conn, user: _deactivation(conn, user, acting))


def check_deactivation(engine: Engine, username: str, acting: str | None = None) -> None:
    """Raise the UserError that deactivating the user would raise, changing nothing."""
    with engine.connect() as conn:
        _deactivation(conn, _user_row(conn, username), acting)


def activate_user(engine: Engine, username: str) -> None:
    """The user can sign in again; their failed sign-ins are forgotten."""

    def check(_conn: Connection, user) -> dict:
        if user.active:
            raise UserError(f"user {username!r} is active already")
        return {"active": True}

    _update(engine, username, check)
    signin_of(engine).forget_failures(username)


def _deactivation(conn: Connection, user, acting: str | None) -> dict:
    if not user.active:
        raise UserError(f"user {user.username!r} is not active")
    if user.role == "admin":
        _keep_an_admin(conn, user, acting, "deactivate your own account")
    return {"active": False}


def _keep_an_admin(conn: Connection, user, acting: str | None, action: str) -> None:
    """Someone must still be able to manage users: refuse an admin acting on themselves, and the
    last active admin losing the role. The active admins are locked (PostgreSQL) until the change
    commits, so two admins cannot each remove the other at once."""
    if user.username == acting:
        raise UserError(f"you cannot {action}; another admin can")
    admins = conn.execute(
        select(User.username).where(User.role == "admin", User.active.is_(True)).with_for_update()
    ).scalars()
    if set(admins) <= {user.username}:
        raise UserError(
            f"{user.username!r} is the last active admin; make another user admin first, so "
            "that someone can still manage users"
        )


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The active user with this username and password, else None (the same work either way)."""
    user = find_user(engine, username)
    return user if password_matches(user, password) and user.active else None


def password_matches(user: User | None, password: str) -> bool:
    """Whether `password` is the user's. An unknown user (None) is checked against a dummy hash
    of the same kind, so that the answer takes as long as for a real one."""
    stored = user.password_hash if user is not None else _dummy_hash()
    return check_password_hash(stored, password) and user is not None


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def signin_of(engine: Engine) -> SignInState:
    """The sign-in state (brake, session generations) that goes with this sales database."""
    return signin_state(engine.url.render_as_string(hide_password=False))


def end_sessions(engine: Engine, username: str) -> None:
    """End every session of the user (their next request is not signed in)."""
    signin_of(engine).end_sessions(username)


def find_user(engine: Engine, username: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(User).where(User.username == username)).first()
    return None if row is None else User(**row._mapping)


def scope_of(user: User) -> Scope:
    return Scope(role=user.role, salesperson=user.salesperson_code, team=user.team)


def active_scopes(engine: Engine) -> set[Scope]:
    """The scopes of the active users."""
    with engine.connect() as conn:
        rows = conn.execute(select(User).where(User.active)).all()
    return {scope_of(User(**row._mapping)) for row in rows}


def add_demo_users(engine: Engine) -> None:
    """Give the demo company a user of each role and mark the database as the demo's."""
    with engine.begin() as conn:
        conn.execute(User.__table__.delete())
        conn.execute(Setting.__table__.delete().where(Setting.key == DEMO_FLAG))
        conn.execute(Setting.__table__.insert().values(key=DEMO_FLAG, value="yes"))
    for username, role, salesperson, team, password in DEMO_USERS:
        create_user(engine, username, password, role, salesperson, team)


def is_demo(engine: Engine) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(select(Setting.value).where(Setting.key == DEMO_FLAG)).first() is not None
        )


def demo_credentials_text() -> str:
    lines = [f"  {role:<12} {username:<8} password: {password}"
             for username, role, _, _, password in DEMO_USERS]  # fmt: skip
    return "Demo users (this database holds the demo company):\n" + "\n".join(lines)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


def _update(engine: Engine, username: str, change: Callable[[Connection, Any], dict]) -> None:
    """Change the user (the values `change` returns for the stored row, or its UserError) and end
    their sessions: before the change commits, so that a failure leaves at worst a user signed
    out, and again after, for a sign-in made in between."""
    with engine.begin() as conn:
        values = change(conn, _user_row(conn, username, lock=True))
        conn.execute(User.__table__.update().where(User.username == username).values(**values))
        end_sessions(engine, username)
    end_sessions(engine, username)


def _user_row(conn: Connection, username: str, lock: bool = False):
    query = select(User).where(User.username == username)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise UserError(f"no user {username!r}")
    return row


def list_users(engine: Engine) -> pd.DataFrame:
    """username, role, salesperson_code, team, active — never the password hashes."""
    with engine.connect() as conn:
        return pd.read_sql_query(
            select(
                User.username, User.role, User.salesperson_code, User.team, User.active
            ).order_by(User.username),
            conn,
        )
