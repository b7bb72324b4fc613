"""Append-only rows: saved once, never changed, never deleted; a correction is a new row.

The money ledgers (billing) and the history of meter readings (meters) are built on this
(docs/architecture.md, habits).
"""

from django.db import models


def _refuse(name: str):
    raise TypeError(f"{name} is append-only: add a correcting row instead.")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse(self.model.__name__)

    def delete(self):
        _refuse(self.model.__name__)


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            _refuse(type(self).__name__)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse(type(self).__name__)
