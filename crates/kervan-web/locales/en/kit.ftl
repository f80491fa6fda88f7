# Record kit: texts shared by every module's list, form and card.

value-yes = Yes
value-no = No
views-title = Views
views-empty = No saved views. Set the filters and save them below.
views-shared = Shared with the team
views-none = List without a view
views-save-as = Save these filters as a view
views-share = Share with my team
views-save = Save view
views-delete = Delete
views-confirm-delete = Delete this view? No records are deleted.
view-name = View name
columns-title = Columns
columns-hint = Choose the columns to show and their order.
columns-position = Position
columns-reset = Back to defaults
filter-created = Created
form-section-custom = Custom fields
bulk-set-field = Set { $field }
history-created = Created
record-archived = Archived
record-key-facts = Key facts
record-confirm-archive = Archive "{ $name }"? It leaves the lists; you can restore it later.
record-confirm-delete = "{ $name }" will be deleted for good. This cannot be undone. Are you sure?
record-conflict-title = This record changed while you were editing it.
record-conflict = { $who } updated this record while you were editing it. What you typed is kept; saving now makes your values count.
record-conflict-see = See the current version in a new tab
dup-title = This record may already exist:
dup-same-phone = Same phone:
dup-same-email = Same e-mail:
dup-same-tax_number = Same tax number:
dup-same-national_id = Same national id:
dup-same-domain = Same domain (website or e-mail):
dup-same-name = Similar name:
dup-same-sku = Same SKU:
toast-view = View saved
toast-view-deleted = View deleted
problem-duplicate-hidden-sku = This SKU is on another product.
err-invalid_percent = Enter a percentage from 0 to 100 with at most two decimals.
err-invalid_datetime = Enter a valid date and time (e.g. 31.01.2026 14:30).
err-invalid_bool = Must be yes or no.
err-ref_not_found = No { $arg ->
    [accounts] customer
    [contacts] contact
    [leads] lead
    [products] product
   *[other] record
} has this name. Check the name or leave the field empty.
err-ref_ambiguous = Several { $arg ->
    [accounts] customers
    [contacts] contacts
    [leads] leads
    [products] products
   *[other] records
} have this name; pick one below and save again.
err-not_filterable = This field cannot be filtered on.
err-type_fixed = A field's type cannot change once it is created.
err-duplicate_option = This option already exists.
toast-saved = Saved
toast-created = Added
toast-archived = Archived
toast-restored = Restored from the archive
toast-deleted = Deleted
