"""What a POST to Open311 files: the PAKN it describes, checked as the chat checks each
answer, or every reason it cannot be accepted (in the spec's error format)."""

from collections.abc import Callable, Mapping

from bot.core.filing import Filing
from bot.present.errors import explain
from bot.present.i18n import _
from bot.web.open311_format import Open311Error
from bot.web.published import clean
from complaints.case import Contact, Location, check_text
from complaints.directory import Directory
from complaints.errors import ComplaintsError
from complaints.intake import ADDRESS_MAX, ADDRESS_MIN, NAME_MAX, NAME_MIN
from complaints.phone import normalize_phone

CODE_LENGTH = 64


def parse_filing(fields: Mapping[str, str], directory: Directory) -> Filing:
    """The PAKN a POST describes, or every reason it cannot be accepted."""
    def text(name: str, limit: int | None = None) -> str:
        return clean(fields.get(name), limit)

    code = text("service_code", CODE_LENGTH)
    if not code:
        raise Open311Error(400, _("service_code is missing"))
    procedure = directory.procedure(code) if directory.has_procedure(code) else None
    field = procedure.field if procedure else code
    if not directory.has_field(field):
        raise Open311Error(404, _("service_code {code} was not found").format(code=code))
    problems: list[str] = []

    def checked(name: str, check: Callable[[], str]) -> str:
        try:
            return check()
        except ComplaintsError as error:
            problems.append(f"{name}: {explain(error)}")
            return ""

    description = checked("description", lambda: check_text(text("description")))
    name = " ".join(text(n) for n in ("last_name", "first_name")).strip()
    if name:  # family name first, as Vietnamese names are written
        name = checked("first_name, last_name", lambda: check_text(name, NAME_MIN, NAME_MAX))
    else:
        problems.append(_("first_name, last_name: the sender's name is required."))
    phone = text("phone", 40)
    if phone:
        phone = checked("phone", lambda: normalize_phone(phone))
    else:
        problems.append(_("phone: the sender's phone number is required."))
    address = text("address_string")
    if address:
        address = checked("address_string",
                          lambda: check_text(address, ADDRESS_MIN, ADDRESS_MAX))
    else:
        problems.append(_("address_string: the sender's address, where an answer can be "
                          "sent, is required."))
    location = _location(text("lat", 40), text("long", 40), problems)
    area = text("address_id", CODE_LENGTH) or None
    if area is not None and not directory.has_area(area):
        problems.append(_("address_id: {code} is not the code of a commune or ward here.")
                        .format(code=area))
    if problems:
        raise Open311Error(400, *problems)
    return Filing(field=field, area=area, text=description,
                  contact=Contact(name, phone, address), location=location,
                  procedure=procedure.code if procedure else None)


def _location(lat: str, long: str, problems: list[str]) -> Location | None:
    if not lat and not long:
        return None
    try:
        latitude, longitude = float(lat), float(long)
    except ValueError:
        problems.append(_("lat, long: give both, as decimal degrees (WGS84)."))
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        problems.append(_("lat, long: give both, as decimal degrees (WGS84)."))
        return None
    return Location(latitude, longitude)
