"""Users of the product: creation, passwords (werkzeug hashes), sign-in checks, demo users."""

from __future__ import annotations

import functools
import secrets

import pandas as pd
from sqlalchemy import Engine, select
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
) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if role == "salesperson" and not salesperson:
        raise UserError("a salesperson user needs --salesperson CODE")
    if role == "manager" and not team:
        raise UserError("a manager user needs --team TEAM")
    _check_password(password)
    with engine.begin() as conn:
        if conn.execute(select(User.username).where(User.username == username)).first():
            raise UserError(f"user {username!r} exists already")
        if (
            salesperson
            and not conn.execute(
                select(Salesperson.code).where(Salesperson.code == salesperson)
            ).first()
        ):
            raise UserError(f"no salesperson with code {salesperson!r}")
        conn.execute(
            User.__table__.insert().values(
                username=username,
                password_hash=generate_password_hash(password),
                role=role,
                salesperson_code=salesperson if role == "salesperson" else None,
                team=team if role == "manager" else None,
                active=True,
            )
        )


def set_password(engine: Engine, username: str, password: str) -> None:
    """A new password; every session of the user ends."""
    _check_password(password)
    _update(engine, username, password_hash=generate_password_hash(password))


def deactivate_user(engine: Engine, username: str) -> None:
    """The user can no longer sign in; every session of the user ends."""
    _update(engine, username, active=False)


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


def _update(engine: Engine, username: str, **values) -> None:
    """Change the user and end their sessions: before the change commits, so that a failure
    leaves at worst a user signed out, and again after, for a sign-in made in between."""
    with engine.begin() as conn:
        done = conn.execute(
            User.__table__.update().where(User.username == username).values(**values)
        )
        if done.rowcount == 0:
            raise UserError(f"no user {username!r}")
        end_sessions(engine, username)
    end_sessions(engine, username)


def list_users(engine: Engine) -> pd.DataFrame:
    """username, role, salesperson_code, team, active — never the password hashes."""
    with engine.connect() as conn:
        return pd.read_sql_query(
            select(
                User.username, User.role, User.salesperson_code, User.team, User.active
            ).order_by(User.username),
            conn,
        )
