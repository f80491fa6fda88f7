# Bulk actions on the lead, customer and contact lists.
bulk-bar-label = Selected records
bulk-select-all = Select everything on this page
bulk-select-row = Select { $name }
bulk-selected = { $n } selected
bulk-none-selected = Select rows for a bulk action
bulk-action = Action for the selected records
bulk-choose = Choose an action…
bulk-assign = Assign owner
bulk-set-status = Change status
bulk-apply = Apply
bulk-archive = Archive
bulk-confirm-archive = Archive the selected records? Each can be restored from the archive.
bulk-toast = { $n ->
    [one] 1 record updated
   *[other] { $n_text } records updated
}{ $skipped ->
    [0] {""}
    [one] , 1 record skipped
   *[other] , { $skipped_text } records skipped
}
bulk-why-not-found = { $n_text } not found or not yours to change
bulk-why-invalid = { $n_text } not fit for this change
bulk-why-conflict = { $n_text } changed by someone else meanwhile
bulk-err-empty = Select at least one record in the list first.
bulk-err-too-many = At most { $max_text } records can be changed at once; you selected { $n_text }. Select fewer and try again.
bulk-err-no-action = Choose the action to apply.
bulk-err-action = This action is not available on this list.
bulk-err-lost = Leads cannot be marked "Lost" in bulk: each needs its own reason. Open the lead and change its status there.
