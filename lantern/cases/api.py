"""The case API, /api/v1/cases..., composed from each part's router."""

from ninja import Router

from lantern.cases import api_legal, api_outcomes, api_records, api_sharing, api_work

router = Router()
# Sub-resources first, so `/cases/{case_id}` never takes their paths.
router.add_router("/", api_outcomes.router)
router.add_router("/", api_sharing.router)
router.add_router("/", api_work.router)
router.add_router("/", api_legal.router)
router.add_router("/", api_records.router)
