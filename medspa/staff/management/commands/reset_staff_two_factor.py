from medspa.staff.management.base import StaffMemberCommand
from medspa.staff.services import staff_two_factor_reset


class Command(StaffMemberCommand):
    help = (
        "Remove a staff member's authenticator app and recovery codes and sign "
        "them out everywhere (a lost phone); their next sign-in sets up a new app."
    )

    def handle_staff_member(self, user) -> str:
        devices, sessions = staff_two_factor_reset(user=user)
        return (
            f"Removed {devices} sign-in device(s) of {user.get_username()} and "
            f"ended {sessions} session(s). At their next sign-in they set up an "
            "authenticator app again."
        )
