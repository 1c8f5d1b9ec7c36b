"""Browser tests: each role signs in through the form and lands on its page with its menu."""

import pytest

from app import create_dash
from tests.conftest import sign_in

LANDINGS = {
    "leader": (
        "/",
        "Overview",
        ["Overview", "Team performance", "Sales by Customer", "Leaderboard", "Reports"],
    ),
    "manager": (
        "/team",
        "Team performance",
        ["Overview", "Team performance", "Sales by Customer", "Leaderboard", "Reports"],
    ),
    "sales": (
        "/my-customers",
        "My customers",
        ["My customers", "Sales by Customer", "Leaderboard", "Reports"],
    ),
    "admin": (
        "/admin",
        "Admin",
        ["Overview", "Sales by Customer", "Leaderboard", "Reports", "Admin"],
    ),
}


@pytest.mark.parametrize("username", list(LANDINGS))
def test_nav001_each_role_lands_on_its_page_with_its_menu(dash_duo, demo_db, username):
    path, heading, menu = LANDINGS[username]
    dash_duo.start_server(create_dash({"DATABASE_URL": demo_db}), navigate=False)
    sign_in(dash_duo, username)
    dash_duo.wait_for_text_to_equal("h1", heading)
    assert dash_duo.driver.current_url.removeprefix(dash_duo.server.url.rstrip("/")) == path
    items = [a.text for a in dash_duo.find_elements("#nav-menu a")]
    assert items == menu
    dash_duo.find_element("#nav-sign-out").click()
    dash_duo.wait_for_element("#sign-in")
    assert dash_duo.get_logs() == []
