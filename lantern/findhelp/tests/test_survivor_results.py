"""The survivor's results: what each place serves of the stated needs, places too far for
tonight after the near ones and marked, and the results before the refining questions."""

import math

import pytest

from lantern.findhelp.tests.test_survivor import NEAR_B, listings, names, post  # noqa: F401
from lantern.testing import World, make_listing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("listings")]

LOOP = (41.8858, -87.6181)  # the 60601 point of the postcode table


def _east(km: float) -> float:
    return LOOP[1] + km / (111.195 * math.cos(math.radians(LOOP[0])))


@pytest.fixture
def far_shelter(world: World):
    return make_listing(
        org=world.hsds_c, name="Fictional Far Shelter", latitude=LOOP[0], longitude=_east(480)
    )


BED_TONIGHT = {"step": "what", "postcode": "60601", "help": "emergency-shelter", "go": "what"}


def test_a_bed_request_lists_no_legal_clinic_and_each_place_says_what_it_serves(client):
    html = post(client, BED_TONIGHT)
    assert "Fictional Legal Clinic" not in names(html)
    assert names(html)
    cards = html.split('data-testid="result"')[1:]
    for card in cards:
        assert "Fits what you asked for:" in card
        served = card.split('data-testid="serves"')[1].split("</ul>")[0]
        assert "Offers a safe place to stay tonight" in served
    # A lawyer and a bed: the clinic is back, saying it serves the lawyer part only.
    html = post(client, {**BED_TONIGHT, "help": ["emergency-shelter", "legal"]})
    clinic = html.split("Fictional Legal Clinic")[1].split('data-testid="result"')[0]
    assert "Offers legal help" in clinic and "stay tonight" not in clinic


def test_what_a_place_serves_in_spanish(client):
    html = post(client, {**BED_TONIGHT, "lang": "es", "children": "1", "step": "more"})
    assert "Sirve para lo que pidió:" in html
    assert "Ofrece un lugar seguro para esta noche" in html


def test_a_far_shelter_comes_after_the_near_ones_marked_farther_away(client, far_shelter):
    html = post(client, BED_TONIGHT)
    shown = names(html)
    assert shown[-1] == "Fictional Far Shelter"
    assert len(shown) > 1
    assert html.count('data-testid="farther-away"') == 1
    far_card = html.split('data-testid="result"')[-1]
    assert "Farther away: more than 80 km from you" in far_card
    spanish = post(client, {**BED_TONIGHT, "lang": "es"})
    assert "Más lejos: a más de 80 km de usted" in spanish


def test_asking_to_get_away_shows_no_farther_away_mark(client, far_shelter):
    html = post(client, {**BED_TONIGHT, "step": "more", "go": "more", "away": "150"})
    assert names(html) == ["Fictional Far Shelter"]
    assert 'data-testid="farther-away"' not in html


def test_after_one_answer_the_results_come_before_the_questions(client):
    html = post(client, NEAR_B)  # the place only
    assert html.index('id="results"') < html.index('id="refine"')
    assert html.index('id="results"') < html.index('name="help"')
    assert '<a href="#refine">Go to the questions</a>' in html
    more = post(client, {**BED_TONIGHT, "step": "more", "go": "more"})
    assert more.index('id="results"') < more.index('id="refine"') < more.index('name="age"')
