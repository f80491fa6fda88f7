# Customers (accounts, contacts), conversion and merge: shared error messages.
err-parent_loop = A company cannot be a subsidiary of itself or of its own subsidiary.
err-merge_same = A record cannot be merged with itself.
err-reports_to_loop = This would make a loop: a person cannot report to themselves or to someone in their own team.
err-reports_to_other_account = The manager must work at the same customer.
err-already_converted = This lead has already been converted into a customer.
err-invalid_range = The start must be before the end.
problem-duplicate-account = A similar customer already exists: { $name }
problem-duplicate-contact = Another contact has the same phone or e-mail: { $name }
dashboard-my-accounts = My customers
quick-new-menu = Create a new record
