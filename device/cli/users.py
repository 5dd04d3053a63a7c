"""``moodkiosk user add|passwd|del|list``: manage household accounts from the shell."""

from __future__ import annotations

import argparse
import getpass
import sys

from device.core.config import Settings
from device.core.store import Store, database_path
from device.household.accounts import AccountError, Accounts


def read_password(from_stdin: bool) -> str:
    """The new password: one line from stdin, or asked twice on the terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise AccountError("the two passwords differ", "type the same password twice")
    return first


async def run_user_command(args: argparse.Namespace, settings: Settings) -> int:
    store = Store(database_path(settings))
    await store.open()
    try:
        accounts = Accounts(store)
        if args.user_command == "list":
            users = await accounts.all()
            for user in users:
                print(f"{user.name}{'  (admin)' if user.is_admin else ''}  language: {user.language}")
            if not users:
                print("no accounts yet: `moodkiosk user add NAME --admin` creates the first admin")
            return 0
        if args.user_command == "del":
            await accounts.delete(args.name)
            print(f"deleted user {args.name}")
            return 0
        accounts.check_name(args.name)
        password = read_password(args.password_stdin)
        if args.user_command == "add":
            user = await accounts.add(args.name, password, is_admin=args.admin)
            print(f"created {'admin' if user.is_admin else 'user'} {user.name}")
        else:
            await accounts.set_password(args.name, password)
            print(f"password changed for {args.name}")
        return 0
    finally:
        await store.close()
