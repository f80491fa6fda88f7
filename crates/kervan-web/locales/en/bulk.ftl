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
bulk-tags = Tags
bulk-tag = Tag
bulk-tag-add = Add tag
bulk-tag-remove = Remove tag
bulk-restore = Restore
bulk-scope-all = Everything matching the filter
bulk-run-title = Bulk change
bulk-list-title = Bulk changes
bulk-list-empty = No bulk changes yet.
bulk-col-change = Change
bulk-confirm-count = This change applies to the { $count } records matching the filter now.
bulk-confirm-button = Apply to { $count } records
bulk-frozen = The set is frozen now: records that match the filter later are not touched. Your permission is checked on each record.
bulk-changed = changed
bulk-undo = Undo the bulk change
bulk-undo-confirm = The records this change touched get their values back; records changed since are left alone. Are you sure?
bulk-skipped-title = Skipped records
bulk-skip-gone = The record is gone
bulk-skip-not_allowed = You may not change this record
bulk-skip-unchanged = Already as asked
bulk-skip-invalid = The change does not fit this record
bulk-skip-conflict = Somebody changed the record meanwhile
bulk-summary = { $changed_text } of { $total_text } changed, { $skipped_text } skipped
bulk-handover = Hand over
bulk-handover-title = Hand over work
bulk-handover-intro = The open records and tasks of { $name } go to the people you choose, in turn.
bulk-handover-to = Who takes them
bulk-handover-submit = Hand over
bulk-handover-confirm = Hand the open records and tasks over to the chosen people?
bulk-handover-choose = Choose at least one active user to take them.
bulk-status-draft = Waiting for confirmation
bulk-toast-undo = Undo
