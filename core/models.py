"""Pieces shared by every app: the timestamped base model and name normalisation."""

import re
import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _

_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Fold a unit or group name as documents write it to the form we store and match.

    NFKC turns full-width brackets and commas into half-width ones, so
    `各县（市、区）人民政府` and `各县(市、区)人民政府` are the same name; white space
    inside a Chinese name is noise from typesetting.
    """
    return _SPACES.sub("", unicodedata.normalize("NFKC", name or ""))


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True
