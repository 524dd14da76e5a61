"""The HTCDS 2.0 code lists, countries, languages, age bands and the code checks."""

from datetime import date

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from lantern.cases import vocab
from lantern.core.api_errors import FieldError

# The value names of the standard's picklists, copied by hand from "HTCDS Field Standards
# 2.0" (github.com/UNMigration/HTCDS), in the standard's order.
STANDARD = {
    "GENDER": (
        "Feminine",
        "Masculine",
        "TransgenderFeminine",
        "TransgenderMasculine",
        "NonConforming",
        "NonSpecifiedUnknown",
    ),
    "TRAFFICKING_STATUS": (
        "PossibleVictimOfTrafficking",
        "ActualVictimOfTrafficking",
        "NotAVictimOfTrafficking",
    ),
    "TYPES_OF_EXPLOITATION": (
        "ForcedLabour",
        "SexualExploitation",
        "ChildLabour",
        "ForcedMarriage",
        "Servitude",
        "ForcedMilitaryByNonStateActors",
        "OrganRemoval",
        "ForcedBegging",
        "ForcedAdoption",
        "Surrogacy",
        "Other",
    ),
    "METHODS_OF_CONTROL": (
        "PhysicalThreats",
        "ThreatsLawEnforcement",
        "ThreatensChildrenFamily",
        "DebtBondage",
        "FalsePromises",
        "PhysicalAbuse",
        "SexualAbuse",
        "TakesEarnings",
        "RestrictsFinancialAccess",
        "RestrictsMedicalCare",
        "WithholdsNecessities",
        "PsychologicalAbuse",
        "PsychoactiveSubstance",
        "ExcessiveWorkingHours",
        "WithholdsDocuments",
        "Other",
    ),
    "METHODS_OF_RECRUITMENT": (
        "AtAPlaceOfBusiness",
        "AtAnEducationalInstitution",
        "AtWork",
        "ThroughOnlineSocialNetworks",
        "ThroughAnOnlineAdvertisement",
        "ThroughATelevisionAdvert",
        "ThroughANewspaperAdvert",
        "ThroughFamilyOrFamilyEvents",
        "ThroughFriendsOrSocialEvents",
        "Other",
    ),
    "FORCED_LABOUR_INDUSTRIES": (
        "A_AgricultureForestryAndFishing",
        "B_MiningAndQuarrying",
        "C_Manufacturing",
        "D_ElectricityGasSteamAndAirConditioningSupply",
        "E_WaterSupplySewerageWasteManagement",
        "F_Construction",
        "G_WholesaleAndRetailTradeRepairOfMotorVehicles",
        "H_TransportationAndStorage",
        "I_AccommodationAndFoodServiceActivities",
        "J_InformationAndCommunication",
        "K_FinancialAndInsuranceActivities",
        "L_RealEstateActivities",
        "M_ProfessionalScientificAndTechnicalActivities",
        "N_AdministrativeAndSupportServiceActivities",
        "O_PublicAdministrationAndDefence",
        "P_Education",
        "Q_HumanHealthAndSocialWorkActivities",
        "R_ArtsEntertainmentAndRecreation",
        "S_OtherServiceActivities",
        "T_ActivitiesOfHouseholdsAsEmployers",
        "U_ActivitiesOfExtraterritorialOrganizations",
    ),
    "CASE_STATUS": ("Active", "FollowUp", "Closed", "ClosedReferred"),
    "PLACE_TYPES": ("Recruitment", "Transit", "Exploitation"),
    "AGE_BANDS": (
        "0-11",
        "12-14",
        "15-17",
        "18-24",
        "25-34",
        "35-44",
        "45-54",
        "55-64",
        "65+",
    ),
}

# Columns of the standard that COLUMNS may name (from the same field list).
HTCDS_COLUMNS = {
    "prs_FirstName",
    "prs_Gender",
    "prs_Citizenship",
    "prs_PrimaryLanguage",
    "vic_TraffickingStatus",
    "vic_TypeOfExploitation",
    "vic_MethodsOfControl",
    "vic_MethodOfRecruitment",
    "vic_ForcedLabourIndustry",
    "cas_Status",
    "hte_Country",
    "hte_State",
    "hte_Type",
}


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_each_list_is_the_standards_codes_in_order(name):
    codes = list(getattr(vocab, name))
    assert codes == list(STANDARD[name])
    assert len(set(codes)) == len(codes) > 0


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_labels_are_distinct_and_translated_to_spanish(name):
    labels = getattr(vocab, name)
    english = [str(label) for label in labels.values()]
    assert all(english)
    assert len(set(english)) == len(english)
    with translation.override("es"):
        spanish = [str(label) for label in labels.values()]
    untranslated = [en for en, es in zip(english, spanish, strict=True) if en == es]
    assert untranslated == []


def test_case_status_closed_is_a_case_not_a_referral_in_spanish():
    with translation.override("es"):
        assert str(vocab.CASE_STATUS["Closed"]) == "Cerrado"


def test_columns_name_every_field_with_the_standards_column_or_a_local_one():
    assert set(vocab.COLUMNS) == {
        "first_name",
        "birth_year",
        "age_band",
        "gender",
        "citizenship",
        "primary_language",
        "trafficking_status",
        "types_of_exploitation",
        "methods_of_control",
        "method_of_recruitment",
        "forced_labour_industry",
        "case_status",
        "identified_on",
        "opened_on",
        "closed_on",
        "place_country",
        "place_state",
        "place_county",
        "place_type",
        "case_number",
    }
    for column in vocab.COLUMNS.values():
        assert column in HTCDS_COLUMNS or column.startswith("lan_"), column
    assert vocab.COLUMNS["trafficking_status"] == "vic_TraffickingStatus"
    assert vocab.COLUMNS["case_status"] == "cas_Status"
    # HTCDS 2.0 has no date of identification, opening or closing.
    assert vocab.COLUMNS["identified_on"].startswith("lan_")
    assert vocab.COLUMNS["opened_on"].startswith("lan_")
    assert vocab.COLUMNS["closed_on"].startswith("lan_")
    assert len(set(vocab.COLUMNS.values())) == len(vocab.COLUMNS)


# Codes


def test_a_code_outside_the_list_is_refused_naming_the_field():
    with pytest.raises(FieldError) as caught:
        vocab.check_code("trafficking_status", "Victim", vocab.TRAFFICKING_STATUS)
    assert caught.value.field == "trafficking_status"
    assert caught.value.message == "unknown code: Victim"
    assert caught.value.payload()["detail"][0]["loc"] == ["body", "trafficking_status"]


@pytest.mark.parametrize("value", [None, 3, "", "  ", ["Active"], "Active2"])
def test_no_other_value_passes_as_a_code(value):
    with pytest.raises(FieldError) as caught:
        vocab.check_code("case_status", value, vocab.CASE_STATUS)
    assert caught.value.field == "case_status"
    assert caught.value.message.startswith("unknown code: ")


def test_a_refused_value_is_echoed_short():
    with pytest.raises(FieldError) as caught:
        vocab.check_code("gender", "x" * 500, vocab.GENDER)
    assert len(caught.value.message) < 60


def test_a_code_comes_back_as_the_standard_writes_it():
    assert vocab.check_code("case_status", "FollowUp", vocab.CASE_STATUS) == "FollowUp"
    assert vocab.check_code("case_status", " followup ", vocab.CASE_STATUS) == "FollowUp"
    assert vocab.check_code("citizenship", "mx", vocab.country_code) == "MX"
    assert vocab.check_code("citizenship", "mx", vocab.COUNTRIES) == "MX"
    assert vocab.check_code("primary_language", "SPA", vocab.language_code) == "spa"


def test_codes_are_deduplicated_in_the_vocabularys_order():
    got = vocab.check_codes(
        "methods_of_control",
        ["Other", "DebtBondage", "physicalthreats", "DebtBondage"],
        vocab.METHODS_OF_CONTROL,
    )
    assert got == ["PhysicalThreats", "DebtBondage", "Other"]
    assert vocab.check_codes("types_of_exploitation", [], vocab.TYPES_OF_EXPLOITATION) == []
    assert vocab.check_codes("citizenship", ["us", "MX", "US"], vocab.country_code) == [
        "MX",
        "US",
    ]


def test_one_bad_code_in_a_list_refuses_the_list():
    with pytest.raises(FieldError) as caught:
        vocab.check_codes("citizenship", ["MX", "Narnia"], vocab.country_code)
    assert caught.value.field == "citizenship"
    assert caught.value.message == "unknown code: Narnia"


@pytest.mark.parametrize("values", ["DebtBondage", b"DebtBondage", None, 5])
def test_a_list_of_codes_must_be_a_list(values):
    with pytest.raises(FieldError) as caught:
        vocab.check_codes("methods_of_control", values, vocab.METHODS_OF_CONTROL)
    assert caught.value.field == "methods_of_control"


def test_a_list_of_codes_is_bounded():
    with pytest.raises(FieldError, match="at most"):
        vocab.check_codes("citizenship", ["MX"] * (vocab.MAX_CODES + 1), vocab.country_code)


@given(st.lists(st.sampled_from(list(vocab.TYPES_OF_EXPLOITATION)), max_size=30))
def test_checked_codes_are_a_subsequence_of_the_vocabulary(values):
    got = vocab.check_codes("types_of_exploitation", values, vocab.TYPES_OF_EXPLOITATION)
    assert set(got) == set(values)
    order = list(vocab.TYPES_OF_EXPLOITATION)
    assert [order.index(code) for code in got] == sorted(order.index(code) for code in got)


# Countries: ISO 3166-1 alpha-2, as the standard's prs_Citizenship picklist has them.


def test_countries_are_alpha_2_upper_case():
    assert vocab.is_country("MX")
    assert vocab.is_country(" mx ")
    assert vocab.country_code("gb") == "GB"
    for other in ("MEX", "Mexico", "XK", "UK", "", "M", None, 52):
        assert not vocab.is_country(other), other


def test_country_names_follow_the_active_language():
    assert vocab.country_name("DE") == "Germany"
    assert vocab.country_name("bo") == "Bolivia"
    with translation.override("es"):
        assert vocab.country_name("DE") == "Alemania"
        assert vocab.country_name("MX") == "México"
    with pytest.raises(LookupError):
        vocab.country_name("ZZ")


def test_country_choices_are_every_code_sorted_by_name():
    codes = [code for code, _name in vocab.COUNTRY_CHOICES]
    names = [name for _code, name in vocab.COUNTRY_CHOICES]
    assert len(codes) == len(set(codes)) == 249
    assert all(vocab.is_country(code) for code in codes)
    assert names == sorted(names, key=vocab.sort_key)
    assert ("MX", "Mexico") in vocab.COUNTRY_CHOICES
    # Åland sorts with the A's, not after Z.
    assert codes.index("AX") < codes.index("BE")
    with translation.override("es"):
        spanish = vocab.country_choices()
    assert ("DE", "Alemania") in spanish
    assert [n for _c, n in spanish] == sorted((n for _c, n in spanish), key=vocab.sort_key)


# Languages: ISO 639-2 three-letter codes, terminology form.


def test_languages_are_iso_639_2_three_letter_codes():
    for code in ("eng", "spa", "ara", "zho", "hat", "mul", "und"):
        assert vocab.is_language(code), code
    assert vocab.language_code("SPA") == "spa"
    # The bibliographic form is accepted and stored as the terminology form.
    assert vocab.language_code("ger") == "deu"
    assert vocab.language_code("fre") == "fra"
    # A 639-2 collective code (ISO 639-5): sign languages.
    assert vocab.language_code("sgn") == "sgn"
    for other in ("en", "es", "english", "xx1", "qaa", "zzz", "", None, 7):
        assert not vocab.is_language(other), other


def test_language_names_follow_the_active_language():
    assert vocab.language_name("spa") == "Spanish"
    assert vocab.language_name("ger") == "German"
    assert vocab.language_name("swa") == "Swahili"  # "(macrolanguage)" left out
    assert vocab.language_name("sgn") == "Sign languages"
    with translation.override("es"):
        assert vocab.language_name("spa") == "Español"
        assert vocab.language_name("eng") == "Inglés"
    with pytest.raises(LookupError):
        vocab.language_name("zzz")


def test_language_choices_are_living_languages_sorted_by_name():
    codes = [code for code, _name in vocab.LANGUAGE_CHOICES]
    names = [name for _code, name in vocab.LANGUAGE_CHOICES]
    assert 150 < len(codes) < 200
    assert len(codes) == len(set(codes))
    assert all(len(code) == 3 and vocab.is_language(code) for code in codes)
    assert {"eng", "spa", "ara", "hat", "vie", "sgn"} <= set(codes)
    assert "lat" not in codes  # not a living language
    assert names == sorted(names, key=vocab.sort_key)
    with translation.override("es"):
        assert ("spa", "Español") in vocab.language_choices()


# Age


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "0-11"),
        (11, "0-11"),
        (12, "12-14"),
        (14, "12-14"),
        (15, "15-17"),
        (17, "15-17"),
        (18, "18-24"),
        (24, "18-24"),
        (25, "25-34"),
        (44, "35-44"),
        (45, "45-54"),
        (55, "55-64"),
        (64, "55-64"),
        (65, "65+"),
        (120, "65+"),
    ],
)
def test_age_bands_at_the_edges(age, band):
    assert vocab.age_band(age) == band


def test_a_negative_age_has_no_band():
    with pytest.raises(ValueError):
        vocab.age_band(-1)


@given(st.integers(min_value=0, max_value=150))
def test_every_age_falls_in_the_band_that_names_it(age):
    band = vocab.age_band(age)
    assert band in vocab.AGE_BANDS
    low, _dash, high = band.rstrip("+").partition("-")
    assert int(low) <= age
    if high:
        assert age <= int(high)


def test_age_at_is_the_difference_of_the_years():
    assert vocab.age_at(2008, date(2026, 1, 1)) == 18
    assert vocab.age_at(2008, date(2026, 12, 31)) == 18
    assert vocab.age_at(2026, date(2026, 6, 1)) == 0
    assert vocab.age_band(vocab.age_at(2009, date(2026, 3, 1))) == "15-17"
