"""HSDS list endpoints: filters, pagination, NDJSON, proximity, errors and query counts."""

import json
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from lantern.core import geo, postcodes
from lantern.directory.models import (
    Attribute,
    Organization,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from lantern.directory.profile import (
    ELIGIBILITY_TERMS,
    SERVICE_TYPE_BY_CODE,
    SERVICE_TYPE_TAXONOMY,
)
from lantern.directory.tests.api_support import (
    LISTS,
    MISSING,
    get,
    ids,
    ndjson_lines,
)
from lantern.testing import (
    AddressFactory,
    LocationFactory,
    ServiceFactory,
    make_listing,
)

pytestmark = pytest.mark.django_db

# --- pagination and the envelope ------------------------------------------------------------


@pytest.fixture
def twenty_three(world):
    ServiceFactory.create_batch(20, organization=world.hsds_c)
    return world


def test_pages_cover_every_item_once_in_a_stable_order(twenty_three, client):
    seen: list[str] = []
    for page in range(1, 6):
        body = get(client, "/api/v1/services", {"page": page, "per_page": 5})
        assert body["total_items"] == 23
        assert body["total_pages"] == 5
        assert body["page_number"] == page
        assert body["size"] == len(body["contents"]) == (3 if page == 5 else 5)
        assert body["first_page"] is (page == 1)
        assert body["last_page"] is (page == 5)
        assert body["empty"] is False
        seen.extend(item["id"] for item in body["contents"])
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == {str(pk) for pk in Service.objects.values_list("id", flat=True)}
    names = [Service.objects.get(pk=pk).name for pk in seen]
    assert names == sorted(names)


def test_page_past_the_end_is_an_empty_last_page(twenty_three, client):
    body = get(client, "/api/v1/services", {"page": 6, "per_page": 5})
    assert body["contents"] == [] and body["size"] == 0
    assert body["empty"] is True
    assert body["last_page"] is True and body["first_page"] is False
    assert body["total_items"] == 23 and body["total_pages"] == 5


def test_no_match_is_an_empty_first_and_last_page(twenty_three, client):
    for path in LISTS:
        body = get(client, path, {"search": "no such thing anywhere"})
        assert body == {
            "total_items": 0,
            "total_pages": 0,
            "page_number": 1,
            "size": 0,
            "first_page": True,
            "last_page": True,
            "empty": True,
            "contents": [],
        }, path


def test_default_page_size_is_twenty(twenty_three, client):
    body = get(client, "/api/v1/services")
    assert body["size"] == 20 and body["total_pages"] == 2


def test_exact_multiple_has_no_trailing_page(twenty_three, client):
    body = get(client, "/api/v1/services", {"per_page": 23})
    assert body["total_pages"] == 1 and body["last_page"] is True


# --- NDJSON -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", LISTS)
def test_ndjson_streams_every_item_without_envelope(twenty_three, client, path):
    total = get(client, path)["total_items"]
    response = client.get(path, {"format": "ndjson", "per_page": 1, "page": 2})
    items = ndjson_lines(response)
    assert len(items) == total
    assert len({item["id"] for item in items}) == total
    assert not {"contents", "total_items", "page_number"} & set(items[0])
    paged = get(client, path, {"per_page": 100})
    assert [item["id"] for item in items] == [item["id"] for item in paged["contents"]]


def test_ndjson_keeps_going_past_its_internal_chunks(world, client):
    TaxonomyTerm.objects.bulk_create(
        [TaxonomyTerm(code=f"X{n:04d}", name=f"Bulk term {n}", description="x") for n in range(450)]
    )
    items = ndjson_lines(client.get("/api/v1/taxonomy_terms", {"format": "ndjson"}))
    assert len(items) == TaxonomyTerm.objects.count() == len({i["id"] for i in items})


def test_ndjson_applies_filters_and_proximity_order(world, client):
    near = {"latitude": 41.85, "longitude": -87.65, "proximity": 30000, "format": "ndjson"}
    items = ndjson_lines(client.get("/api/v1/service_at_locations", near))
    distances = [item["distance_km"] for item in items]
    assert distances == sorted(distances)
    assert items[0]["id"] == str(world.c_public.pk)  # it sits on the point
    only_c = ndjson_lines(
        client.get(
            "/api/v1/services", {"format": "ndjson", "organization_id": str(world.hsds_c.pk)}
        )
    )
    assert [item["id"] for item in only_c] == [str(world.c_public.service_id)]


# --- filters ------------------------------------------------------------------------------


@pytest.fixture
def varied(world):
    """Adds a hotline at C and a service carrying an imported (non-Lantern) term."""
    hotline = make_listing(
        org=world.hsds_c,
        types=("hotline",),
        latitude=41.70,
        longitude=-87.60,
        postcode="60617",
        name="Fictional Night Line",
        description="Talk any time",
        accepts_pets=True,
    )
    imported = Taxonomy.objects.create(name="Fictional Imported", description="Imported")
    term = TaxonomyTerm.objects.create(
        code="IMP", name="Imported term", description="x", taxonomy_detail=imported
    )
    other = TaxonomyTerm.objects.create(
        code="OTH", name="Other term", description="x", taxonomy_detail=imported
    )
    tagged = make_listing(org=world.hsds_b, types=(), name="Fictional Tagged Service")
    Attribute.objects.create(
        link_id=tagged.service_id, link_entity="service", taxonomy_term=term, value="1"
    )
    world.hotline = hotline
    world.tagged = tagged
    world.imported = imported
    world.term = term
    world.other_term = other
    return world


def test_search_matches_service_and_organization_names_case_insensitively(varied, client):
    assert ids(get(client, "/api/v1/services", {"search": "night line"})) == {
        str(varied.hotline.service_id)
    }
    assert ids(get(client, "/api/v1/services", {"search": "TALK ANY"})) == {
        str(varied.hotline.service_id)
    }
    by_org = ids(get(client, "/api/v1/services", {"search": "shelter b"}))
    assert by_org == {
        str(s)
        for s in Service.objects.filter(organization=varied.hsds_b).values_list("id", flat=True)
    }
    sal = ids(get(client, "/api/v1/service_at_locations", {"search": "night line"}))
    assert sal == {str(varied.hotline.pk)}
    orgs = ids(get(client, "/api/v1/organizations", {"search": "provider c"}))
    assert orgs == {str(varied.hsds_c.pk)}
    terms = get(client, "/api/v1/taxonomy_terms", {"search": "hotline"})["contents"]
    assert [t["id"] for t in terms] == [str(SERVICE_TYPE_BY_CODE["hotline"].id)]
    taxonomies = ids(get(client, "/api/v1/taxonomies", {"search": "fictional imp"}))
    assert taxonomies == {str(varied.imported.pk)}


def test_taxonomy_term_id_filters_by_lantern_service_type(varied, client):
    hotline = str(SERVICE_TYPE_BY_CODE["hotline"].id)
    assert ids(get(client, "/api/v1/services", {"taxonomy_term_id": hotline})) == {
        str(varied.hotline.service_id)
    }
    assert ids(get(client, "/api/v1/service_at_locations", {"taxonomy_term_id": hotline})) == {
        str(varied.hotline.pk)
    }
    assert ids(get(client, "/api/v1/organizations", {"taxonomy_term_id": hotline})) == {
        str(varied.hsds_c.pk)
    }
    shelter = str(SERVICE_TYPE_BY_CODE["emergency-shelter"].id)
    assert len(ids(get(client, "/api/v1/services", {"taxonomy_term_id": shelter}))) == 3


def test_taxonomy_term_id_filters_by_imported_term(varied, client):
    term = str(varied.term.pk)
    body = get(client, "/api/v1/services", {"taxonomy_term_id": term})
    assert ids(body) == {str(varied.tagged.service_id)}
    assert any(a["taxonomy_term_id"] == term for a in body["contents"][0]["attributes"])
    assert ids(get(client, "/api/v1/service_at_locations", {"taxonomy_term_id": term})) == {
        str(varied.tagged.pk)
    }
    assert ids(get(client, "/api/v1/organizations", {"taxonomy_term_id": term})) == {
        str(varied.hsds_b.pk)
    }
    unused = str(varied.other_term.pk)
    assert get(client, "/api/v1/services", {"taxonomy_term_id": unused})["total_items"] == 0
    missing = get(client, "/api/v1/services", {"taxonomy_term_id": MISSING})
    assert missing["total_items"] == 0


def test_taxonomy_term_id_of_an_eligibility_rule_finds_services_that_declare_it(varied, client):
    pets = str(ELIGIBILITY_TERMS["accepts-pets"].id)
    assert ids(get(client, "/api/v1/services", {"taxonomy_term_id": pets})) == {
        str(varied.hotline.service_id)
    }


def test_taxonomy_id_filters_by_any_term_of_the_taxonomy(varied, client):
    lantern_types = str(SERVICE_TYPE_TAXONOMY.id)
    typed = ids(get(client, "/api/v1/services", {"taxonomy_id": lantern_types}))
    assert str(varied.tagged.service_id) not in typed
    assert len(typed) == 4
    imported = str(varied.imported.pk)
    assert ids(get(client, "/api/v1/services", {"taxonomy_id": imported})) == {
        str(varied.tagged.service_id)
    }
    assert ids(get(client, "/api/v1/service_at_locations", {"taxonomy_id": imported})) == {
        str(varied.tagged.pk)
    }
    assert ids(get(client, "/api/v1/organizations", {"taxonomy_id": imported})) == {
        str(varied.hsds_b.pk)
    }
    terms = ids(get(client, "/api/v1/taxonomy_terms", {"taxonomy_id": imported}))
    assert terms == {str(varied.term.pk), str(varied.other_term.pk)}


def test_organization_id_filters_services_and_service_at_locations(varied, client):
    org = str(varied.hsds_c.pk)
    services = Service.objects.filter(organization=varied.hsds_c).values_list("id", flat=True)
    assert ids(get(client, "/api/v1/services", {"organization_id": org})) == {
        str(s) for s in services
    }
    assert ids(get(client, "/api/v1/service_at_locations", {"organization_id": org})) == {
        str(varied.c_public.pk),
        str(varied.hotline.pk),
    }
    assert get(client, "/api/v1/services", {"organization_id": MISSING})["total_items"] == 0


def test_filters_combine(varied, client):
    params = {
        "organization_id": str(varied.hsds_c.pk),
        "taxonomy_term_id": str(SERVICE_TYPE_BY_CODE["emergency-shelter"].id),
    }
    assert ids(get(client, "/api/v1/services", params)) == {str(varied.c_public.service_id)}
    params["search"] = "night"
    assert get(client, "/api/v1/services", params)["total_items"] == 0


def _patch_capacity(client, capacity, available, persona):
    return client.patch(
        f"/api/v1/service_capacities/{capacity.pk}",
        data=json.dumps({"available": available}),
        content_type="application/json",
        **persona.api_headers(),
    )


def test_modified_after_picks_up_a_capacity_update(varied, client):
    long_ago = timezone.now() - timedelta(days=30)
    Service.objects.update(last_modified=long_ago)
    since = timezone.now() - timedelta(seconds=1)
    for params in ({"modified_after": since.isoformat()}, {}):
        assert get(client, "/api/v1/services", params)["total_items"] == (0 if params else 5)

    capacity = varied.b_public.service.capacities.get()
    assert _patch_capacity(client, capacity, 1, varied["provider_b"]).status_code == 200

    after = {"modified_after": since.isoformat()}
    assert ids(get(client, "/api/v1/services", after)) == {str(varied.b_public.service_id)}
    assert ids(get(client, "/api/v1/service_at_locations", after)) == {str(varied.b_public.pk)}
    # The same instant in another zone, and in UTC written with Z, mean the same thing.
    since_utc = since.astimezone(UTC)
    for written in (
        since_utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        since_utc.astimezone(timezone.get_fixed_timezone(-300)).isoformat(),
    ):
        assert ids(get(client, "/api/v1/services", {"modified_after": written})) == {
            str(varied.b_public.service_id)
        }
    before = {"modified_after": (long_ago - timedelta(days=1)).isoformat()}
    assert get(client, "/api/v1/services", before)["total_items"] == 5


def test_modified_after_without_a_zone_is_read_as_utc(varied, client):
    moment = timezone.now().astimezone(UTC).replace(microsecond=0) - timedelta(hours=3)
    Service.objects.update(last_modified=moment - timedelta(days=1))
    Service.objects.filter(pk=varied.hotline.service_id).update(last_modified=moment)
    naive = moment.replace(tzinfo=None)
    body = get(client, "/api/v1/services", {"modified_after": naive.isoformat()})
    assert ids(body) == {str(varied.hotline.service_id)}
    day = get(client, "/api/v1/services", {"modified_after": moment.date().isoformat()})
    assert str(varied.hotline.service_id) in ids(day)


def test_organizations_modified_after(varied, client):
    Organization.objects.update(last_modified=timezone.now() - timedelta(days=3))
    Organization.objects.filter(pk=varied.hsds_c.pk).update(last_modified=timezone.now())
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(get(client, "/api/v1/organizations", {"modified_after": since})) == {
        str(varied.hsds_c.pk)
    }


# --- proximity and postcodes --------------------------------------------------------------


def test_proximity_sorts_by_distance_and_keeps_to_the_radius(world, client):
    far = make_listing(org=world.hsds_c, latitude=42.30, longitude=-87.65, postcode="60601")
    # 13.3 km out: between the confidential location's coarse point (11.1 km) and the
    # 15 km shown for it, so the list must sort by the distance it shows.
    between = make_listing(org=world.hsds_c, latitude=41.97, longitude=-87.65)
    point = (41.85, -87.65)
    body = get(
        client,
        "/api/v1/service_at_locations",
        {"latitude": point[0], "longitude": point[1], "proximity": 20000},
    )
    distances = [item["distance_km"] for item in body["contents"]]
    assert distances == sorted(distances)
    assert len(distances) == 4
    assert all(d <= 20 for d in distances)
    assert str(far.pk) not in ids(body)
    assert [item["id"] for item in body["contents"]][-2:] == [
        str(between.pk),
        str(world.b_confidential.pk),
    ]
    public = {str(world.b_public.pk): world.b_public, str(world.c_public.pk): world.c_public}
    for item in body["contents"]:
        if item["id"] in public:
            location = public[item["id"]].location
            expected = geo.haversine_km(*point, location.latitude, location.longitude)
            assert item["distance_km"] == round(expected, 2)
    wider = get(
        client,
        "/api/v1/service_at_locations",
        {"latitude": point[0], "longitude": point[1], "proximity": 60000},
    )
    assert str(far.pk) in ids(wider)
    assert wider["contents"][-1]["id"] == str(far.pk)


def test_proximity_pages_follow_distance(world, client):
    for n in range(6):
        make_listing(org=world.hsds_c, latitude=41.86 + n * 0.01, longitude=-87.65)
    params = {"latitude": 41.85, "longitude": -87.65, "proximity": 30000, "per_page": 4}
    first = get(client, "/api/v1/service_at_locations", {**params, "page": 1})
    second = get(client, "/api/v1/service_at_locations", {**params, "page": 2})
    assert first["total_items"] == second["total_items"] == 9
    assert first["contents"][-1]["distance_km"] <= second["contents"][0]["distance_km"]
    assert not ids(first) & ids(second)


def test_no_distance_without_a_point(world, client):
    for item in get(client, "/api/v1/service_at_locations")["contents"]:
        assert "distance_km" not in item


def test_postcode_alone_is_equality_on_the_address_postcode(world, client):
    elsewhere = make_listing(org=world.hsds_c, latitude=34.05, longitude=-118.24, postcode="60608")
    body = get(client, "/api/v1/service_at_locations", {"postcode": "60608"})
    assert ids(body) == {str(world.c_public.pk), str(elsewhere.pk)}
    assert all("distance_km" not in item for item in body["contents"])
    assert get(client, "/api/v1/service_at_locations", {"postcode": "60609"})["total_items"] == 0


@pytest.mark.parametrize("persona", ["anonymous", "provider_c", "advocate_a", "coalition_admin"])
def test_postcode_never_matches_a_confidential_location_for_outsiders(world, client, persona):
    # 60614 is only the confidential location's postcode.
    body = get(client, "/api/v1/service_at_locations", {"postcode": "60614"}, world[persona])
    assert body["total_items"] == 0
    both = make_listing(org=world.hsds_c, postcode="60614", latitude=41.92, longitude=-87.65)
    body = get(client, "/api/v1/service_at_locations", {"postcode": "60614"}, world[persona])
    assert ids(body) == {str(both.pk)}


def test_postcode_matches_a_members_own_confidential_location(world, client):
    body = get(client, "/api/v1/service_at_locations", {"postcode": "60614"}, world["provider_b"])
    assert ids(body) == {str(world.b_confidential.pk)}


def test_postcode_with_proximity_measures_from_the_postcode_centroid(world, client):
    centroid = postcodes.lookup("60608")
    assert centroid is not None
    # A location 1-2 km from the 60608 centroid with a different postcode, and one 25 km out.
    close = make_listing(
        org=world.hsds_c,
        latitude=centroid.latitude + 0.01,
        longitude=centroid.longitude,
        postcode="60616",
    )
    out = make_listing(
        org=world.hsds_c,
        latitude=centroid.latitude + 0.25,
        longitude=centroid.longitude,
        postcode="60608",
    )
    body = get(client, "/api/v1/service_at_locations", {"postcode": "60608", "proximity": 5000})
    found = {item["id"]: item for item in body["contents"]}
    assert str(close.pk) in found
    assert str(out.pk) not in found  # same postcode, but outside the radius
    expected = geo.haversine_km(
        centroid.latitude, centroid.longitude, close.location.latitude, close.location.longitude
    )
    assert found[str(close.pk)]["distance_km"] == round(expected, 2)
    c = world.c_public.location
    c_distance = geo.haversine_km(centroid.latitude, centroid.longitude, c.latitude, c.longitude)
    assert (str(world.c_public.pk) in found) is (c_distance <= 5)
    plus4 = get(
        client, "/api/v1/service_at_locations", {"postcode": "60608-1234", "proximity": 5000}
    )
    assert ids(plus4) == ids(body)


def test_latitude_and_longitude_take_precedence_over_postcode(world, client):
    body = get(
        client,
        "/api/v1/service_at_locations",
        {"postcode": "90210", "latitude": 41.85, "longitude": -87.65, "proximity": 1000},
    )
    assert ids(body) == {str(world.c_public.pk)}


def test_location_without_an_address_still_lists(world, client):
    location = LocationFactory(organization=world.hsds_c, latitude=41.86, longitude=-87.66)
    sal = ServiceAtLocation.objects.create(
        service=ServiceFactory(organization=world.hsds_c), location=location
    )
    body = get(client, f"/api/v1/service_at_locations/{sal.pk}")
    assert "addresses" in body["location"] and body["location"]["addresses"] == []
    AddressFactory(location=location, postal_code="60609")
    assert ids(get(client, "/api/v1/service_at_locations", {"postcode": "60609"})) == {str(sal.pk)}


@pytest.mark.parametrize(
    ("written", "total"),
    [
        # Offsets beyond what PostgreSQL stores (+15:59) once gave a 500 (found by fuzzing).
        ("6916-09-12T20:33:41.59893+23:03", 0),
        ("2000-01-01T00:00:00-23:59", 5),
        # Shifting to UTC leaves the calendar: the bound is the calendar's end.
        ("9999-12-31T23:59:59-05:00", 0),
        ("0001-01-01T00:00:00+05:00", 5),
    ],
)
def test_modified_after_at_the_edges_of_zones_and_calendar(varied, client, written, total):
    assert get(client, "/api/v1/services", {"modified_after": written})["total_items"] == total
