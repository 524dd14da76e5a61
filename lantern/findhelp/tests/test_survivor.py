"""The survivor pages (no login): the find-help flow, its privacy and its languages."""

import logging
import re
from datetime import timedelta

import pytest
from django.test import Client

from lantern.directory.models import LocationType, Phone
from lantern.findhelp.forms import NeedsForm
from lantern.testing import World, make_listing

pytestmark = pytest.mark.django_db

NEAR_B = {"step": "where", "go": "what", "postcode": "60601"}


def post(client: Client, data: dict, **headers) -> str:
    response = client.post("/", data, **headers)
    assert response.status_code == 200
    return response.content.decode()


def names(html: str) -> list[str]:
    return re.findall(r'<li class="card[^"]*" data-testid="result">\s*<h3>([^<]+)</h3>', html)


@pytest.fixture
def listings(world: World) -> dict:
    """The world's three shelters plus a legal clinic that serves adults in Spanish and a full,
    women-only shelter."""
    legal = make_listing(
        org=world.hsds_c,
        types=("legal", "immigration-legal"),
        languages=("es", "en"),
        latitude=41.87,
        longitude=-87.62,
        postcode="60605",
        name="Fictional Legal Clinic",
        minimum_age=18,
        url="https://legal.example.test/",
    )
    Phone.objects.create(service=legal.service, number="555-0142")
    full = make_listing(
        org=world.hsds_c,
        available=0,
        latitude=41.89,
        longitude=-87.62,
        name="Fictional Full House",
        genders_served=["woman"],
    )
    return {"legal": legal, "full": full}


def test_start_page_asks_where_you_are_and_shows_no_results(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Where are you?" in html and 'name="postcode"' in html
    assert 'id="results"' not in html
    assert '<form id="help-form" class="help-form" method="post"' in html
    assert response.cookies == {}  # no cookie at all, not even CSRF


def test_postcode_gives_results_at_once_with_reasons(client, listings):
    html = post(client, NEAR_B)
    assert "What help do you need?" in html and "Step 2 of 3" in html
    assert "Looking near: 60601 (Chicago, IL)" in html
    assert len(names(html)) == 5
    assert "3 beds open, updated 5 minutes ago" in html
    assert "Less than 1 km away" in html
    assert "Places near you with open space now come first." in html
    # Open ones before the full one.
    assert names(html)[-1] == "Fictional Full House"
    assert "Full right now" in html
    # The answer travels on as a hidden field, not in the URL.
    assert '<input type="hidden" name="postcode" value="60601">' in html


def test_city_and_location_work_and_an_ambiguous_city_asks_for_the_state(client, listings):
    html = post(client, {"step": "where", "go": "what", "city": "chicago, il"})
    assert "Looking near: Chicago, IL" in html and len(names(html)) == 5
    html = post(client, {"step": "where", "go": "what", "latitude": "41.88", "longitude": "-87.63"})
    assert "Looking near: Your location" in html and "Less than 1 km away" in html
    html = post(client, {"step": "where", "go": "what", "city": "Springfield"})
    assert "City: There is more than one city with that name. Add the state" in html
    assert 'id="results"' not in html
    html = post(client, {"step": "where", "go": "what", "city": "Springfield IL"})
    assert "Looking near: Springfield, IL" in html


def test_unknown_postcode_is_named_and_the_step_is_asked_again(client, listings):
    html = post(client, {"step": "where", "go": "what", "postcode": "00000"})
    assert "Where are you?" in html
    assert "ZIP code: We could not find that ZIP code." in html
    assert 'aria-invalid="true"' in html and 'href="#id_postcode"' in html
    assert 'id="results"' not in html


def test_bad_age_is_named_and_nothing_breaks(client, listings):
    html = post(client, {**NEAR_B, "step": "more", "go": "more", "age": "abc"})
    assert "How old are you?: Enter your age as a number, like 25." in html
    assert "A few more questions" in html
    html = post(client, {**NEAR_B, "step": "more", "go": "more", "gender": "robot"})
    assert "Your gender:" in html


def test_help_types_narrow_the_results(client, listings):
    html = post(client, {**NEAR_B, "step": "what", "go": "more", "help": ["legal"]})
    assert names(html) == ["Fictional Legal Clinic"]
    assert "Offers legal help" in html
    assert "A few more questions" in html
    # The help types answered on step 2 travel on as hidden fields on step 3.
    assert '<input type="hidden" name="help" value="legal">' in html
    # Contact details of a public service: address, phone and website.
    assert "Fictional Street, Chicago, IL 60605" in html
    assert 'href="tel:5550142">555-0142' in html and 'href="https://legal.example.test/"' in html


def test_each_answer_sharpens_the_results(client, listings):
    more = {**NEAR_B, "step": "more", "go": "more"}
    assert len(names(post(client, more))) == 5
    assert "Fictional Legal Clinic" not in names(post(client, {**more, "age": "16"}))
    html = post(client, {**more, "gender": "man"})
    assert "Fictional Full House" not in names(html) and len(names(html)) == 4
    html = post(client, {**more, "only_open": "on"})
    assert "Fictional Full House" not in names(html)
    html = post(client, {**more, "languages": ["es"]})
    legal_card = html.split("Fictional Legal Clinic", 1)[1].split('<li class="card', 1)[0]
    assert "Speaks Spanish" in legal_card
    html = post(client, {**more, "trafficking": "both", "children": "2", "id_documents": "no"})
    assert len(names(html)) == 5  # nobody declared a rule against these
    html = post(client, {**more, "distance": "10", "postcode": "60601"})
    assert len(names(html)) == 5
    html = post(client, {**more, "distance": "10", "postcode": "10001"})
    assert names(html) == [] and "We did not find a place that fits all your answers" in html


def test_prefer_not_to_say_is_the_default_for_every_question(client, listings):
    html = post(client, {**NEAR_B, "step": "what", "go": "more"})
    checked = re.findall(r'<input type="radio" name="(\w+)" value=""[^>]*checked', html)
    assert sorted(checked) == sorted(
        [
            "distance",
            "away",
            "gender",
            "children",
            "pets",
            "trafficking",
            "wheelchair",
            "substance",
            "id_documents",
        ]
    )
    assert html.count("Prefer not to say") == 8  # distance says "Any distance"


@pytest.fixture
def far_and_virtual(world: World) -> dict:
    """A shelter about 265 km from Chicago (Indianapolis) and a text line whose only location
    is virtual, although its coordinates sit in downtown Chicago."""
    far = make_listing(
        org=world.hsds_c,
        latitude=39.77,
        longitude=-86.16,
        postcode="46204",
        name="Fictional Far Shelter",
    )
    text_line = make_listing(
        org=world.hsds_c, types=("hotline",), latitude=41.88, longitude=-87.63, name="Text Line"
    )
    text_line.location.location_type = LocationType.VIRTUAL
    text_line.location.save()
    return {"far": far, "virtual": text_line}


def test_far_from_here_leaves_out_near_places_and_keeps_far_and_virtual_ones(
    client, listings, far_and_virtual
):
    more = {**NEAR_B, "step": "more", "go": "more"}
    everything = names(post(client, more))
    assert len(everything) == 7 and "Fictional Legal Clinic" in everything
    html = post(client, {**more, "away": "150"})
    assert sorted(names(html)) == ["Fictional Far Shelter", "Text Line"]
    assert "more than the 150 km you asked for" in html
    # 50 km keeps the far shelter too; "No" and "Prefer not to say" leave nothing out.
    assert sorted(names(post(client, {**more, "away": "50"}))) == [
        "Fictional Far Shelter",
        "Text Line",
    ]
    for answer in ("near", ""):
        assert sorted(names(post(client, {**more, "away": answer}))) == sorted(everything)
    # The answer travels like every other one: a hidden field of the next POST, never the URL.
    html = post(client, {**more, "away": "150", "go": "what"})
    assert '<input type="hidden" name="away" value="150">' in html
    assert sorted(names(html)) == ["Fictional Far Shelter", "Text Line"]


def test_far_from_here_maps_to_away_from_km_only_with_a_place():
    form = NeedsForm({"postcode": "60601", "away": "150"})
    assert form.is_valid() and form.needs().away_from_km == 150.0
    for answer in ("", "near"):
        form = NeedsForm({"postcode": "60601", "away": answer})
        assert form.is_valid() and form.needs().away_from_km is None
    form = NeedsForm({"away": "50"})
    assert form.is_valid() and form.needs().away_from_km is None
    assert not NeedsForm({"postcode": "60601", "away": "5000"}).is_valid()


def test_far_from_here_is_not_asked_without_a_place_and_then_has_no_effect(
    client, listings, far_and_virtual
):
    html = post(client, {"step": "what", "go": "more"})
    assert 'name="away"' not in html
    assert "Want help far away from here? First tell us where you are." in html
    # An answer given earlier travels on hidden, changes nothing, and counts once a place is.
    html = post(client, {"step": "more", "go": "more", "away": "150"})
    assert '<input type="hidden" name="away" value="150">' in html and len(names(html)) == 7
    html = post(client, {**NEAR_B, "step": "where", "go": "more", "away": "150"})
    assert sorted(names(html)) == ["Fictional Far Shelter", "Text Line"]
    assert 'name="away" value="150"' in html and "checked" in html.split('value="150"')[1][:60]


def test_far_from_here_and_a_shorter_distance_ask_to_change_one(client, listings, far_and_virtual):
    more = {**NEAR_B, "step": "more", "go": "more"}
    html = post(client, {**more, "away": "50", "distance": "25"})
    assert (
        "Do you want help far from where you are now?: This does not fit with how far you "
        "can go. Change one of the two answers." in html
    )
    assert "A few more questions" in html and names(html) == []
    # 50 to 100 km away: nothing here is in that ring, but phone and online help still is.
    html = post(client, {**more, "away": "50", "distance": "100"})
    assert "This does not fit" not in html and names(html) == ["Text Line"]


def test_skipping_everything_still_gives_results(client, listings):
    html = post(client, {"step": "where", "go": "skip-where", "postcode": "typed then skipped"})
    assert "What help do you need?" in html and len(names(html)) == 5
    assert "Looking everywhere" in html
    html = post(client, {"step": "what", "go": "skip-what", "help": ["legal"]})
    assert "A few more questions" in html and len(names(html)) == 5
    html = post(client, {"step": "more", "go": "more"})
    assert len(names(html)) == 5


def test_change_where_you_are_goes_back_with_the_answers(client, listings):
    html = post(client, {**NEAR_B, "step": "more", "go": "where", "age": "30", "help": ["legal"]})
    assert "Where are you?" in html and 'value="60601"' in html
    assert '<input type="hidden" name="age" value="30">' in html
    assert '<input type="hidden" name="help" value="legal">' in html


def test_confidential_service_shows_only_area_and_rounded_distance(client, world, listings):
    html = post(client, {**NEAR_B, "step": "more", "go": "more"})
    secret = world.b_confidential
    address = secret.location.addresses.get()
    cards = re.findall(r'<li class="card.*?</li>\s*(?=<li class="card|</ol>)', html, re.S)
    private = [card for card in cards if 'data-testid="private"' in card]
    assert len(private) == 1
    assert secret.service.name in private[0]
    assert "Area: Chicago, IL" in private[0]
    shown = re.search(r"About (\d+) km away\. The address is kept private\.", private[0])
    assert shown and int(shown[1]) % 5 == 0  # rounded up to the 5 km step
    assert "call our help line at 555-0100" in private[0]
    # Nothing anywhere on the page gives the place away.
    for leak in (
        address.address_1,
        address.postal_code,
        "41.9123",
        "41.91",
        "87.6543",
        "87.654",
        secret.location.name,
    ):
        assert leak not in html


def test_spanish_from_the_browser_language(client, listings):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "¿Dónde está?" in html and "Salir de este sitio" in html
    assert response["Content-Language"] == "es"
    html = post(client, NEAR_B, HTTP_ACCEPT_LANGUAGE="es")
    assert "¿Qué ayuda necesita?" in html
    # The engine's reasons are translated too.
    assert "3 camas libres, actualizado hace 5 minutos" in html
    assert "A menos de 1 km" in html
    html = post(client, {**NEAR_B, "step": "more", "go": "more"}, HTTP_ACCEPT_LANGUAGE="es")
    assert "¿Quiere ayuda lejos de donde está ahora?" in html
    assert "Sí, a 150 km (90 millas) o más" in html


def test_language_switch_keeps_the_answers_and_the_step(client, listings):
    data = {**NEAR_B, "step": "more", "go": "more", "help": ["legal"], "age": "30"}
    html = post(client, {**data, "switch_lang": "es"})
    assert '<html lang="es">' in html and "Unas preguntas más" in html
    assert 'name="age" value="30"' in html
    assert '<input type="hidden" name="help" value="legal">' in html
    assert "Ofrece ayuda legal" in html
    # The choice stays for the next step (a hidden field, no cookie) and can be undone.
    assert '<input type="hidden" name="lang" value="es">' in html
    assert client.cookies == {}
    html = post(client, {**data, "lang": "es", "switch_lang": "en"})
    assert '<html lang="en">' in html and "A few more questions" in html


def test_safety_note_in_both_languages(client):
    html = client.get("/help/safety/").content.decode()
    assert "How to clear your history" in html
    html = client.get("/help/safety/?lang=es").content.decode()
    assert "Cómo borrar su historial" in html


def test_quick_exit_link_is_on_every_page(client, world, settings):
    settings.LANTERN_QUICK_EXIT_URL = "https://weather.example.test/"
    link = (
        '<a class="quick-exit" href="https://weather.example.test/" rel="noreferrer" '
        "data-quick-exit>Leave this site</a>"
    )
    for path in ("/", "/help/safety/", "/accounts/login/", "/staff/"):
        assert link in client.get(path).content.decode(), path
    staff = world["provider_b"].client()
    assert link in staff.get("/provider/capacity/").content.decode()


def test_headers_keep_the_page_out_of_caches_and_scripts_out(client, listings):
    for response in (client.get("/"), client.post("/", NEAR_B)):
        assert response["Cache-Control"] == "no-store"
        assert response["Referrer-Policy"] == "no-referrer"
        csp = response["Content-Security-Policy"]
        assert re.search(r"script-src 'self' 'nonce-[^']+'", csp)
        assert "unsafe-inline" not in csp and "http" not in csp
        assert "Set-Cookie" not in response
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\ssrc=)", html)
        assert not re.search(r"\son[a-z]+=", html)
        assert "style=" not in html


def test_search_needs_no_csrf_cookie(listings):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/", NEAR_B).status_code == 200
    assert client.cookies == {}


def test_htmx_gets_only_the_results(client, listings):
    html = post(
        client,
        {**NEAR_B, "step": "what", "help": ["legal"]},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    assert html.startswith('<section id="results"') and "<html" not in html
    assert names(html) == ["Fictional Legal Clinic"]


def test_no_answer_reaches_the_logs(client, listings):
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record) + repr(record.args))

    handler = Collect(level=logging.DEBUG)
    loggers = [logging.getLogger(n) for n in ("", "django", "django.request", "lantern")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        answers = {
            **NEAR_B,
            "step": "more",
            "go": "more",
            "postcode": "60614",
            "age": "83",
            "gender": "transgender_man",
            "trafficking": "labor",
            "languages": ["vi"],
        }
        post(client, answers)
        post(client, {**answers, "age": "-4"})
        post(client, {**answers, "postcode": "99999"})
        client.get("/nowhere-like-this/")
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
    text = "\n".join(records)
    for answer in ("60614", "99999", "83", "transgender_man", "labor", "'vi'", "127.0.0.1"):
        assert answer not in text


def test_survivor_pages_are_rate_limited(client, rate_limits, settings):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "anonymous_pages": "2/m"}
    statuses = [client.post("/", {"step": "where", "go": "skip-where"}).status_code]
    statuses += [client.get("/").status_code, client.get("/help/safety/").status_code]
    assert statuses == [200, 200, 429]


def test_stale_and_unknown_capacity_say_call_first(client, world):
    make_listing(org=world.hsds_c, name="Old News", updated_ago=timedelta(hours=30))
    html = post(client, {"step": "where", "go": "skip-where"})
    card = html.split("Old News", 1)[1].split('<li class="card', 1)[0]
    assert "Not known. Call first." in card and "last update 30 hours ago" in card


def test_staff_home_moved_and_login_lands_there(client, settings):
    assert client.get("/staff/").status_code == 200
    assert settings.LOGIN_REDIRECT_URL == "staff-home"
