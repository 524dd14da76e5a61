import pytest

pytestmark = pytest.mark.django_db


def test_api_root_names_version_profile_and_openapi(client):
    body = client.get("/api/v1/").json()
    assert body["version"] == "3.1"
    assert body["openapi_url"] == "http://testserver/api/v1/openapi.json"
    profile = client.get(body["profile"].replace("http://testserver", "")).json()
    assert profile["hsds_version"] == "3.1"
    codes = {t["code"] for tax in profile["taxonomies"] for t in tax["terms"]}
    assert {"emergency-shelter", "hotline", "accepts-pets", "confidential-location"} <= codes
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_me_lists_organizations_and_roles(world, client):
    body = client.get("/api/v1/me", **world["provider_b"].api_headers()).json()
    assert body["email"] == "provider_b@example.test"
    assert body["organizations"] == [
        {
            "account_organization_id": str(world.org_b.pk),
            "name": "Shelter B",
            "hsds_organization_id": str(world.hsds_b.pk),
            "roles": ["provider_staff"],
        }
    ]
    assert client.get("/api/v1/me").status_code == 401


def test_confidential_location_is_redacted_for_outsiders(world, client):
    sal = world.b_confidential
    for persona in ("anonymous", "advocate_a", "provider_c", "coalition_admin", "analyst"):
        body = client.get(
            f"/api/v1/service_at_locations/{sal.pk}", **world[persona].api_headers()
        ).json()
        location = body["location"]
        assert "latitude" not in location and "longitude" not in location, persona
        assert "addresses" not in location, persona
        assert "41.91" not in str(body) and "60614" not in str(body), persona
        values = {a["value"] for a in location["attributes"]}
        assert "Chicago, IL" in values


def test_members_see_their_confidential_location_in_full(world, client):
    sal = world.b_confidential
    body = client.get(
        f"/api/v1/service_at_locations/{sal.pk}", **world["provider_b"].api_headers()
    ).json()
    assert body["location"]["latitude"] == pytest.approx(41.9123)
    assert body["location"]["addresses"][0]["postal_code"] == "60614"


def test_proximity_search_uses_coarse_point_and_rounds_distance(world, client):
    sal = world.b_confidential
    # 300 m from the real safe house: an outsider's tight radius must not find it...
    near = {"latitude": 41.9150, "longitude": -87.6543, "proximity": 500}
    body = client.get("/api/v1/service_at_locations", near).json()
    assert str(sal.pk) not in {c["id"] for c in body["contents"]}
    member = client.get(
        "/api/v1/service_at_locations", near, **world["provider_b"].api_headers()
    ).json()
    assert str(sal.pk) in {c["id"] for c in member["contents"]}
    # ...and at a city-wide radius it appears with a distance rounded to 5 km steps.
    wide = client.get("/api/v1/service_at_locations", {**near, "proximity": 30000}).json()
    found = [c for c in wide["contents"] if c["id"] == str(sal.pk)]
    assert found and found[0]["distance_km"] % 5 == 0


def test_postcode_filter_does_not_reveal_confidential_postcode(world, client):
    body = client.get("/api/v1/service_at_locations", {"postcode": "60614"}).json()
    assert body["total_items"] == 0
    member = client.get(
        "/api/v1/service_at_locations", {"postcode": "60614"}, **world["provider_b"].api_headers()
    ).json()
    assert member["total_items"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"latitude": 200, "longitude": 0, "proximity": 10}, "latitude"),
        ({"latitude": 40, "proximity": 10}, "longitude"),
        ({"latitude": 40, "longitude": -80}, "proximity"),
        ({"bogus": 1}, "bogus"),
        # What the HSDS document allows (an unknown postcode, page=0, per_page=1000) is
        # answered, not refused: test_api_hsds_official.py.
    ],
)
def test_bad_query_is_422_naming_the_field(world, client, params, field):
    response = client.get("/api/v1/service_at_locations", params)
    assert response.status_code == 422, response.content
    assert field in str(response.json()["detail"])
