"""Booking rules that are the clinic's policy rather than the calendar's."""

from booking.models import Treatment


def treatment_to_book(treatment: Treatment, *, new_patient: bool) -> Treatment:
    """The consultation rule: a patient new to the clinic books the
    treatment's new_patient_treatment (a consultation, or a combined
    consultation and treatment) when it names one, so a provider sees them
    before treating; a returning patient books the treatment itself."""
    if new_patient and treatment.new_patient_treatment_id is not None:
        return treatment.new_patient_treatment
    return treatment
