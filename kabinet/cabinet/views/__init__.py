"""The resident's pages, one module per part: `base` (access, the account pages' frame),
`accounts` (home, the account list, attach, detach), `account` (the card, tariffs,
contacts, charges, payments), `profile` ("Мой профиль": details, subscriptions, password,
sessions, the user's data, deleting the user), `meters` (the meters, their history, entering readings).

Every account-scoped view is an `account_view` (views/base.py): it gets its account
through `_get_account_for_user`, which answers 404 to anyone who has not attached that
account, before anything else about the request is looked at
(cabinet/tests/test_access.py walks every URL pattern to keep it so).
"""
