"""factory_boy factories for consent tests. Synthetic data only."""

from datetime import timedelta

import factory
from django.utils import timezone

from lantern.accounts.models import Organization
from lantern.consent.models import ConsentRecord, Method


class AccountOrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Fictional Member Org {n}")


class ConsentFactory(factory.django.DjangoModelFactory):
    """A valid, active consent written straight to the table (no service, no audit):
    for reading and permission tests. Writes under test go through `services`."""

    class Meta:
        model = ConsentRecord

    recipient = factory.SubFactory(AccountOrganizationFactory)
    granted_by_organization = factory.SubFactory(AccountOrganizationFactory)
    categories = factory.LazyFunction(lambda: ["name", "contact"])
    purpose = "referral to services"
    method = Method.WRITTEN
    created = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created + timedelta(days=30))
