"""A domain NotFound raised below a page or an API handler is the one 404."""

import pytest
from django.http import HttpRequest
from django.test import RequestFactory

from lantern.api import api
from lantern.core.errors import NotFound
from lantern.core.middleware import DomainErrorMiddleware


def test_a_page_turns_not_found_into_the_sites_404():
    from django.http import Http404

    middleware = DomainErrorMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(Http404):
        middleware.process_exception(RequestFactory().get("/x"), NotFound())


def test_other_exceptions_pass_through_the_page_middleware():
    middleware = DomainErrorMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    assert middleware.process_exception(RequestFactory().get("/x"), ValueError()) is None


def test_the_api_answers_not_found_with_a_404_detail_list():
    request: HttpRequest = RequestFactory().get("/api/v1/x")
    response = api.on_exception(request, NotFound())
    assert response.status_code == 404
    assert b'"loc": ["path"]' in response.content
