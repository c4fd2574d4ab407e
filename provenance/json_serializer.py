"""Django's JSON fixture format, made lossless for a whole-database dump and load.

Registered as the "json" format (settings.SERIALIZATION_MODULES), so `dumpdata`, `loaddata` and
`make fixtures` all use it. Two differences from Django's own:

- times keep their microseconds (Django's encoder cuts them to milliseconds, which can merge two
  reviews of a claim made within a millisecond into one natural key);
- a history row that points at a record since deleted is written with the plain id, not a natural
  key the record no longer has to give: history tables keep no constraints, and the id is what a
  restore brings the record back under.
"""

import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import Deserializer  # noqa: F401 -- loading is Django's own
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as DjangoJSONSerializer


class FullPrecisionEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(DjangoJSONSerializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = FullPrecisionEncoder

    def handle_fk_field(self, obj, field):
        try:
            super().handle_fk_field(obj, field)
        except ObjectDoesNotExist:
            self._current[field.name] = getattr(obj, field.attname)
