from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class TreatmentQuerySet(models.QuerySet):
    def active(self) -> "TreatmentQuerySet":
        return self.filter(is_active=True)


class Treatment(models.Model):
    class Category(models.TextChoices):
        INJECTABLES = "injectables", _("Injectables")
        SKIN = "skin", _("Skin treatments")
        MEDICAL = "medical", _("Medical aesthetics")
        CONSULTATION = "consultation", _("Consultations")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"))
    areas_treated = models.CharField(_("areas treated"), max_length=300, blank=True)
    results_appear = models.CharField(_("results appear"), max_length=120, blank=True)
    results_last = models.CharField(_("results last"), max_length=120, blank=True)
    price_from = models.DecimalField(
        _("price from"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = TreatmentQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("booking:treatment-detail", kwargs={"slug": self.slug})
