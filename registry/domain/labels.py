"""What each coded value is called in the users' words (untranslated; the caller translates)."""

from __future__ import annotations

from registry.domain.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "role": {"officer": N_("Field officer"), "supervisor": N_("Supervisor"), "admin": N_("Administrator")},
    "sex": {"female": N_("Female"), "male": N_("Male"), "other": N_("Other"), "unknown": N_("Unknown")},
    "dob_precision": {
        "exact": N_("Exact date"),
        "year": N_("Year only"),
        "estimated": N_("Estimated"),
    },
    # TRANSLATORS: how the person crossed: through an official border post or not.
    "entry_type": {"regular": N_("Regular"), "irregular": N_("Irregular"), "unknown": N_("Unknown")},
    "circumstances": {
        "intercepted": N_("Intercepted"),
        "expelled": N_("Expelled"),
        "self_presented": N_("Presented themselves"),
        "referred": N_("Referred by another organisation"),
        "other": N_("Other"),
    },
    "document_type": {
        "passport": N_("Passport"),
        "national_id": N_("National identity card"),
        "laissez_passer": N_("Laissez-passer"),
        "birth_certificate": N_("Birth certificate"),
        "refugee_id": N_("Refugee identity card"),
        "residence_permit": N_("Residence permit"),
        "other": N_("Other document"),
    },
    "vulnerability": {
        "unaccompanied_child": N_("Unaccompanied child"),
        "separated_child": N_("Separated child"),
        "single_parent": N_("Single parent"),
        "elderly_at_risk": N_("Older person at risk"),
        "disability": N_("Disability"),
        "serious_medical_condition": N_("Serious medical condition"),
        "pregnant_or_lactating": N_("Pregnant or breastfeeding"),
        "gbv_survivor": N_("Survivor of gender-based violence"),
        "trafficking_victim": N_("Victim of trafficking"),
        "torture_survivor": N_("Survivor of torture"),
        "woman_at_risk": N_("Woman at risk"),
    },
    "relationship": {
        "head": N_("Head of household"),
        "spouse": N_("Spouse"),
        "child": N_("Child"),
        "parent": N_("Parent"),
        "sibling": N_("Brother or sister"),
        "other_relative": N_("Other relative"),
        "other": N_("Other"),
    },
    "status": {
        # TRANSLATORS: a case's status (the case: "dossier", "kesi"), shown as a badge.
        "registered": N_("Registered"),
        "screening": N_("Screening"),
        "return_requested": N_("Return requested"),
        "return_approved": N_("Return approved"),
        "travel_ready": N_("Ready to travel"),
        "departed": N_("Departed"),
        "returned": N_("Returned"),
        "regularisation_requested": N_("Regularisation requested"),
        "application_submitted": N_("Application submitted"),
        "regularised": N_("Regularised"),
        "refused": N_("Application refused"),
        "referred": N_("Referred"),
        "closed": N_("Closed"),
    },
    "pathway": {
        "undecided": N_("Not decided yet"),
        "voluntary_return": N_("Voluntary return"),
        "regularisation": N_("Regularisation"),
        "referral": N_("Referral"),
    },
    "priority": {"normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")},
    "fear_of_return": {"no": N_("No"), "yes": N_("Yes"), "unclear": N_("Unclear")},
    "closure_reason": {
        "returned": N_("Returned"),
        "regularised": N_("Regularised"),
        "referred": N_("Referred"),
        "withdrawn": N_("Withdrawn"),
        "lost_contact": N_("Lost contact"),
        "deceased": N_("Deceased"),
        "duplicate": N_("Duplicate"),
        "other": N_("Other"),
    },
    "consent_scope": {
        "case_management": N_("Case management only"),
        "case_management_and_referral": N_("Case management and referral to partners"),
    },
    "bid_outcome": {"return": N_("Return"), "stay": N_("Stay"), "other": N_("Other")},
    "partner_kind": {
        "protection_agency": N_("Protection agency"),
        "un_agency": N_("United Nations agency"),
        "ngo": N_("Non-governmental organisation"),
        "government": N_("Government authority"),
        "health": N_("Health service"),
        "other": N_("Other"),
    },
    "legal_basis": {
        "consent": N_("The person's consent"),
        "vital_interests": N_("To protect the person's life or safety"),
    },
    "transfer_status": {"requested": N_("Awaiting approval"), "approved": N_("Approved and shared")},
    "document": {
        "summary": N_("Case summary"),
        "slip": N_("Registration slip"),
        "declaration": N_("Voluntary return declaration"),
        "personal_data": N_("Copy of the person's data"),
        "manifest": N_("Departure manifest"),
    },
    "event": {
        "registered": N_("Registered"),
        "transition": N_("Status changed"),
        "note": N_("Note"),
        "correction": N_("Data corrected"),
        "fear_recorded": N_("Fear of return recorded"),
        "fear_cleared": N_("Fear of return cleared"),
        "assignment": N_("Assigned"),
        "transfer": N_("Transferred"),
        "follow_up_added": N_("Follow-up added"),
        "follow_up_done": N_("Follow-up done"),
        "transfer_requested": N_("Sharing with a partner requested"),
        "transfer_approved": N_("Shared with a partner"),
        "anonymised": N_("Personal data removed (retention period over)"),
        "member_added": N_("Household member added"),
        "member_split": N_("Member given a case of their own"),
        "vulnerabilities_changed": N_("Protection needs changed"),
        "priority_raised": N_("Priority raised"),
        "photo_taken": N_("Photo taken"),
        "people_merged": N_("Duplicate records merged"),
        "merge_undone": N_("Merge undone"),
    },
    "duplicate_status": {
        "suspected": N_("Suspected"),
        "flagged": N_("Flagged by an officer"),
        "not_duplicate": N_("Not a duplicate"),
        "merged": N_("Merged"),
    },
}

CONSENT_SCOPES = tuple(LABELS["consent_scope"])


def label(kind: str, code: str | None) -> str:
    """The untranslated label of a code; an unknown code is shown as it is."""
    if code is None:
        return ""
    return LABELS.get(kind, {}).get(code, code)
