"""The code lists of the Human Trafficking Case Data Standard (HTCDS) 2.0, with plain labels.

HTCDS is the UN Migration (IOM) standard for anti-trafficking case data
(github.com/UNMigration/HTCDS). Its field list is the spreadsheet "HTCDS Field Standards 2.0":
every picklist there has *value names* (system codes such as `PossibleVictimOfTrafficking`)
and *value labels*. We store and exchange the value names exactly as the standard writes them;
the labels here are our own plain wording for caseworkers, translated through gettext.

Where the standard's own documents disagree, the picklist of the field list wins (the survey
and spreadsheet toolkits of 2.0 use the same codes). "Field Definitions.md" describes methods
of control under other names (`MethodsOfControlThreats`, `...RestrictsMovement`,
`...UsesChildren`); those are definitions, not the codes of the `vic_MethodsOfControl` picklist.

Countries are ISO 3166-1 alpha-2 (the standard's prs_Citizenship picklist in its survey and
spreadsheet toolkits lists "AF", "AX", "AL", ...); languages are ISO 639-2 three-letter codes
(prs_PrimaryLanguage: "Use ISO 639-2 language codes standard"), with the terminology (/T)
form stored: "deu", not the bibliographic "ger".
"""

import gettext
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import Final

import pycountry
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lantern.core.api_errors import FieldError

HTCDS_VERSION: Final = "2.0"

# prs_Gender
GENDER: dict[str, Promise] = {
    "Feminine": _("Feminine"),
    "Masculine": _("Masculine"),
    "TransgenderFeminine": _("Transgender (feminine)"),
    "TransgenderMasculine": _("Transgender (masculine)"),
    "NonConforming": _("Gender non-conforming"),
    "NonSpecifiedUnknown": _("Not specified or unknown"),
}

# vic_TraffickingStatus. "Actual" in the standard means: determined to be a victim.
TRAFFICKING_STATUS: dict[str, Promise] = {
    "PossibleVictimOfTrafficking": _("Possible victim of trafficking"),
    "ActualVictimOfTrafficking": _("Confirmed victim of trafficking"),
    "NotAVictimOfTrafficking": _("Not a victim of trafficking"),
}

# vic_TypeOfExploitation (multi-select)
TYPES_OF_EXPLOITATION: dict[str, Promise] = {
    "ForcedLabour": _("Forced labor"),
    "SexualExploitation": _("Sexual exploitation"),
    "ChildLabour": _("Child labor"),
    "ForcedMarriage": _("Forced marriage"),
    "Servitude": _("Servitude"),
    "ForcedMilitaryByNonStateActors": _("Forced into a non-state armed group"),
    "OrganRemoval": _("Organ removal"),
    "ForcedBegging": _("Forced begging"),
    "ForcedAdoption": _("Forced adoption"),
    "Surrogacy": _("Forced surrogacy"),
    "Other": _("Other"),
}

# vic_MethodsOfControl (multi-select)
METHODS_OF_CONTROL: dict[str, Promise] = {
    "PhysicalThreats": _("Threats of physical harm"),
    "ThreatsLawEnforcement": _("Threats to call the police or immigration"),
    "ThreatensChildrenFamily": _("Threats against children or family"),
    "DebtBondage": _("Debt bondage"),
    "FalsePromises": _("False promises"),
    "PhysicalAbuse": _("Physical abuse"),
    "SexualAbuse": _("Sexual abuse"),
    "TakesEarnings": _("Takes their earnings"),
    "RestrictsFinancialAccess": _("Restricts access to their money"),
    "RestrictsMedicalCare": _("Restricts medical care"),
    "WithholdsNecessities": _("Withholds food, shelter or other necessities"),
    "PsychologicalAbuse": _("Psychological abuse"),
    "PsychoactiveSubstance": _("Drugs or alcohol used to control"),
    "ExcessiveWorkingHours": _("Excessive working hours"),
    "WithholdsDocuments": _("Withholds identity or travel documents"),
    "Other": _("Other"),
}

# vic_MethodOfRecruitment (multi-select in the standard)
METHODS_OF_RECRUITMENT: dict[str, Promise] = {
    "AtAPlaceOfBusiness": _("At a place of business"),
    "AtAnEducationalInstitution": _("At a school or college"),
    "AtWork": _("At work"),
    "ThroughOnlineSocialNetworks": _("Through online social networks"),
    "ThroughAnOnlineAdvertisement": _("Through an online advertisement"),
    "ThroughATelevisionAdvert": _("Through a television ad"),
    "ThroughANewspaperAdvert": _("Through a newspaper ad"),
    "ThroughFamilyOrFamilyEvents": _("Through family or family events"),
    "ThroughFriendsOrSocialEvents": _("Through friends or social events"),
    "Other": _("Other"),
}

# vic_ForcedLabourIndustry: the 21 sections of ISIC rev. 4, letter first as the standard has it.
FORCED_LABOUR_INDUSTRIES: dict[str, Promise] = {
    "A_AgricultureForestryAndFishing": _("Agriculture, forestry and fishing"),
    "B_MiningAndQuarrying": _("Mining and quarrying"),
    "C_Manufacturing": _("Manufacturing"),
    "D_ElectricityGasSteamAndAirConditioningSupply": _(
        "Electricity, gas, steam and air conditioning supply"
    ),
    "E_WaterSupplySewerageWasteManagement": _("Water supply, sewerage and waste management"),
    "F_Construction": _("Construction"),
    "G_WholesaleAndRetailTradeRepairOfMotorVehicles": _(
        "Wholesale and retail trade, vehicle repair"
    ),
    "H_TransportationAndStorage": _("Transportation and storage"),
    "I_AccommodationAndFoodServiceActivities": _("Hotels, restaurants and food service"),
    "J_InformationAndCommunication": _("Information and communication"),
    "K_FinancialAndInsuranceActivities": _("Financial and insurance activities"),
    "L_RealEstateActivities": _("Real estate activities"),
    "M_ProfessionalScientificAndTechnicalActivities": _(
        "Professional, scientific and technical activities"
    ),
    "N_AdministrativeAndSupportServiceActivities": _(
        "Administrative and support services (including cleaning and landscaping)"
    ),
    "O_PublicAdministrationAndDefence": _("Public administration and defense"),
    "P_Education": _("Education"),
    "Q_HumanHealthAndSocialWorkActivities": _("Health care and social work"),
    "R_ArtsEntertainmentAndRecreation": _("Arts, entertainment and recreation"),
    "S_OtherServiceActivities": _("Other services (such as beauty and nail salons, repairs)"),
    "T_ActivitiesOfHouseholdsAsEmployers": _("Domestic work in private households"),
    "U_ActivitiesOfExtraterritorialOrganizations": _(
        "Extraterritorial organizations (embassies, international bodies)"
    ),
}

# cas_Status. A context, because "Closed" is already a referral's (feminine in Spanish).
CASE_STATUS: dict[str, Promise] = {
    "Active": pgettext_lazy("case status", "Active"),
    "FollowUp": pgettext_lazy("case status", "Follow-up"),
    "Closed": pgettext_lazy("case status", "Closed"),
    "ClosedReferred": pgettext_lazy("case status", "Closed (referred on)"),
}

# hte_Type: what happened at a place of the historic trafficking events.
PLACE_TYPES: dict[str, Promise] = {
    "Recruitment": _("Place of recruitment"),
    "Transit": _("Place of transit"),
    "Exploitation": _("Place of exploitation"),
}

# Not in HTCDS (it has prs_Birthdate and vic_AgeWhenTrafficked): our own bands, for counts
# that must not single anyone out. Ages are whole years.
AGE_BANDS: dict[str, Promise] = {
    "0-11": _("Under 12"),
    "12-14": _("12 to 14"),
    "15-17": _("15 to 17"),
    "18-24": _("18 to 24"),
    "25-34": _("25 to 34"),
    "35-44": _("35 to 44"),
    "45-54": _("45 to 54"),
    "55-64": _("55 to 64"),
    "65+": _("65 and over"),
}
_BAND_UPPER: Final = (
    (11, "0-11"),
    (14, "12-14"),
    (17, "15-17"),
    (24, "18-24"),
    (34, "25-34"),
    (44, "35-44"),
    (54, "45-54"),
    (64, "55-64"),
)

# Our field -> the HTCDS 2.0 column ("Field Name including Prefix"). HTCDS has no column for
# some of ours; those carry the prefix "lan_" (Lantern's own), never a made-up HTCDS name:
# - birth_year, age_band: HTCDS has the full prs_Birthdate; we keep only the year and a band.
# - identified_on, opened_on, closed_on: HTCDS 2.0 has no date of identification, of opening
#   or of closing a case (its case dates are cas_IncomingReferralDate and
#   cas_OutgoingReferralDate, and hte_Date for an event).
# - place_county: the historic event's place has hte_City, hte_State and hte_Country only.
# - case_number: HTCDS names no case identifier column.
COLUMNS: dict[str, str] = {
    "first_name": "prs_FirstName",
    "birth_year": "lan_BirthYear",
    "age_band": "lan_AgeBand",
    "gender": "prs_Gender",
    "citizenship": "prs_Citizenship",
    "primary_language": "prs_PrimaryLanguage",
    "trafficking_status": "vic_TraffickingStatus",
    "types_of_exploitation": "vic_TypeOfExploitation",
    "methods_of_control": "vic_MethodsOfControl",
    "method_of_recruitment": "vic_MethodOfRecruitment",
    "forced_labour_industry": "vic_ForcedLabourIndustry",
    "case_status": "cas_Status",
    "identified_on": "lan_IdentifiedDate",
    "opened_on": "lan_OpenedDate",
    "closed_on": "lan_ClosedDate",
    "place_country": "hte_Country",
    "place_state": "hte_State",
    "place_county": "lan_County",
    "place_type": "hte_Type",
    "case_number": "lan_CaseNumber",
}


def age_at(birth_year: int, on: date) -> int:
    """Age in whole years on a day, from the birth year alone (we do not keep the birthday):
    the difference of the years, so at most one year more than the true age."""
    return on.year - birth_year


def age_band(age: int) -> str:
    """The AGE_BANDS code of an age in whole years."""
    if age < 0:
        raise ValueError("an age cannot be negative")
    for upper, code in _BAND_UPPER:
        if age <= upper:
            return code
    return "65+"


# Countries: ISO 3166-1 alpha-2, the 249 codes the standard's toolkits list.

_COUNTRIES_BY_CODE: Final = {c.alpha_2: c for c in pycountry.countries}


def _english_country(code: str) -> str:
    country = _COUNTRIES_BY_CODE[code]
    return str(getattr(country, "common_name", None) or country.name)


def sort_key(text: str) -> str:
    """Alphabetical order that ignores accents and case ("Åland" beside "Aland")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# code -> English name, in the order of the names. Usable as `allowed` of check_code(s).
COUNTRIES: dict[str, str] = dict(
    sorted(
        ((code, _english_country(code)) for code in _COUNTRIES_BY_CODE),
        key=lambda item: sort_key(item[1]),
    )
)
COUNTRY_CHOICES: list[tuple[str, str]] = list(COUNTRIES.items())


def country_code(value: object) -> str | None:
    """The alpha-2 code, upper-cased, or None when it is not one ("mx" -> "MX"; "MEX" and
    "Mexico" -> None)."""
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if code in _COUNTRIES_BY_CODE else None


def is_country(code: object) -> bool:
    return country_code(code) is not None


@lru_cache(maxsize=32)
def _catalog(domain: str, locale: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def _localised(domain: str, english: str) -> str:
    locale = translation.to_locale(translation.get_language() or "en")
    if locale.startswith("en"):
        return english
    return _catalog(domain, locale).gettext(english)


def country_name(code: str) -> str:
    """The country's name in the active language (pycountry's iso-codes translations);
    LookupError for a code that is not ISO 3166-1 alpha-2."""
    normal = country_code(code)
    if normal is None:
        raise LookupError(f"not an ISO 3166-1 alpha-2 code: {code!r}")
    return _localised("iso3166-1", _english_country(normal))


def country_choices() -> list[tuple[str, str]]:
    """COUNTRY_CHOICES named and ordered in the active language."""
    return sorted(((code, country_name(code)) for code in COUNTRIES), key=lambda c: sort_key(c[1]))


# Languages: ISO 639-2 three-letter codes.
#
# pycountry carries ISO 639-3 (which contains every 639-2/T individual language and
# macrolanguage code, and the special codes mis, mul, und, zxx) and ISO 639-5 (which contains
# the 639-2 collective codes such as "sgn", sign languages). Accepting both accepts every
# 639-2 code; it also accepts 639-3 codes that 639-2 lacks (such as "ase", American Sign
# Language): pycountry cannot tell them apart, and refusing a true language code would be the
# worse error. The 639-2 codes reserved for local use (qaa-qtz) are not accepted.

_TIDY_LANGUAGE: Final = re.compile(r"\s*\((?:macrolanguage|[^)]*\d[^)]*)\)$")


def language_code(value: object) -> str | None:
    """The ISO 639-2/T code, lower-cased, or None ("SPA" -> "spa", "ger" -> "deu")."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        return None
    if pycountry.languages.get(alpha_3=code) is not None:
        return code
    bibliographic = pycountry.languages.get(bibliographic=code)
    if bibliographic is not None:
        return str(bibliographic.alpha_3)
    if pycountry.language_families.get(alpha_3=code) is not None:
        return code
    return None


def is_language(code: object) -> bool:
    return language_code(code) is not None


def _english_language(code: str) -> str:
    found = pycountry.languages.get(alpha_3=code) or pycountry.language_families.get(alpha_3=code)
    if found is None:
        raise LookupError(code)
    return str(found.name)


def language_name(code: str) -> str:
    """The language's name in the active language; LookupError for an unknown code."""
    normal = language_code(code)
    if normal is None:
        raise LookupError(f"not an ISO 639-2 code: {code!r}")
    domain = "iso639-3" if pycountry.languages.get(alpha_3=normal) else "iso639-5"
    name = _TIDY_LANGUAGE.sub("", _localised(domain, _english_language(normal)))
    return name[:1].upper() + name[1:]  # ISO 639-5 writes "sign languages"


# For pick lists: the living languages that also have a two-letter (639-1) code, plus sign
# languages ("sgn"), by English name. Any other 639-2 code is still accepted by is_language.
LANGUAGE_CHOICES: list[tuple[str, str]] = sorted(
    [
        *(
            (lang.alpha_3, _TIDY_LANGUAGE.sub("", lang.name))
            for lang in pycountry.languages
            if hasattr(lang, "alpha_2") and lang.type == "L"
        ),
        ("sgn", "Sign languages"),
    ],
    key=lambda item: sort_key(item[1]),
)


def language_choices() -> list[tuple[str, str]]:
    """LANGUAGE_CHOICES named and ordered in the active language."""
    return sorted(
        ((code, language_name(code)) for code, _name in LANGUAGE_CHOICES),
        key=lambda c: sort_key(c[1]),
    )


# Checking submitted codes.

# A vocabulary: the codes in their order (a dict such as GENDER, or COUNTRIES; read twice, so
# not a one-pass iterator), or a function that answers the normal form of a code or None
# (country_code, language_code).
Vocabulary = Collection[str] | Callable[[str], str | None]
MAX_CODES: Final = 300  # more than any list here (COUNTRIES has 249)
_SHOWN: Final = 40  # at most this much of a refused value is echoed back


def _refuse(field: str, value: object) -> FieldError:
    shown = str(value)
    if len(shown) > _SHOWN:
        shown = shown[:_SHOWN] + "..."
    return FieldError(field, f"unknown code: {shown}")


def _normal(value: object, allowed: Vocabulary, folded: Mapping[str, str]) -> str | None:
    if not isinstance(value, str):
        return None
    if callable(allowed):
        return allowed(value)
    return folded.get(value.strip().casefold())


def _folded(allowed: Vocabulary) -> dict[str, str]:
    if callable(allowed):
        return {}
    return {code.casefold(): code for code in allowed}


def check_code(field: str, value: object, allowed: Vocabulary) -> str:
    """The code as the vocabulary writes it (surrounding space and letter case are forgiven:
    "mx" -> "MX", "followup" -> "FollowUp"); FieldError naming the field otherwise."""
    normal = _normal(value, allowed, _folded(allowed))
    if normal is None:
        raise _refuse(field, value)
    return normal


def check_codes(field: str, values: object, allowed: Vocabulary) -> list[str]:
    """Each code checked as check_code does; the answer has no repeats and follows the
    vocabulary's order (sorted by code for a function vocabulary)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise FieldError(field, "expected a list of codes")
    items = list(values)
    if len(items) > MAX_CODES:
        raise FieldError(field, f"at most {MAX_CODES} codes")
    folded = _folded(allowed)
    found: set[str] = set()
    for value in items:
        normal = _normal(value, allowed, folded)
        if normal is None:
            raise _refuse(field, value)
        found.add(normal)
    if callable(allowed):
        return sorted(found)
    return [code for code in allowed if code in found]
