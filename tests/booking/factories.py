import datetime
import uuid

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from booking.forms import issue_form_token
from booking.models import AppointmentRequest, Treatment


def next_open_day(weeks_ahead: int = 1) -> datetime.date:
    """A Tuesday a week or more ahead: the clinic is open, the time of day free."""
    day = timezone.localdate() + datetime.timedelta(weeks=weeks_ahead)
    return day + datetime.timedelta(days=(1 - day.weekday()) % 7)


def signed_form_token(seconds_ago: int = 30) -> str:
    """A form token as if the page had been open for a while."""
    started = timezone.now().timestamp() - seconds_ago
    return issue_form_token(started=started)


class TreatmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Treatment
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Treatment {n}")
    slug = factory.Sequence(lambda n: f"treatment-{n}")
    category = Treatment.Category.INJECTABLES
    duration_minutes = 30
    summary = "A short summary."
    description = "A longer description."


class AppointmentRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentRequest

    reference = factory.Sequence(lambda n: f"MS-T{n:04d}")
    form_token = factory.LazyFunction(uuid.uuid4)
    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Patient{n}")
    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    phone = "+12175440100"
    treatment = factory.SubFactory(TreatmentFactory)
    preferred_date = factory.LazyFunction(next_open_day)
    preferred_time = AppointmentRequest.TimeOfDay.MORNING
    patient_type = AppointmentRequest.PatientType.NEW
    contact_method = AppointmentRequest.ContactMethod.CALL
    consent = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@clinic.example")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))


def form_data(treatment: Treatment | None = None, **overrides) -> dict:
    """A valid POST for /book/, as a patient who took their time would send it."""
    data = {
        "first_name": "Maria",
        "last_name": "García",
        "email": "maria@example.com",
        "phone": "(217) 544-0123",
        "treatment": getattr(treatment, "slug", treatment or ""),
        "preferred_date": next_open_day().isoformat(),
        "preferred_time": "morning",
        "patient_type": "new",
        "contact_method": "text",
        "message": "",
        "consent": "on",
        "form_token": signed_form_token(),
        "source_article": "",
        "source_path": "",
        "leave_blank": "",
    }
    data.update(overrides)
    return data


def queued(task) -> list[dict]:
    """The keyword arguments of each run of `task` waiting for the worker."""
    waiting = DBTaskResult.objects.ready().filter(task_path=task.module_path)
    return [result.args_kwargs["kwargs"] for result in waiting.order_by("enqueued_at")]
