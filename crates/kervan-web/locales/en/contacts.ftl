# Contacts: list, form, contact card and the Contacts tab of the customer card.

contacts-title = Contacts
contact-new = New Contact
contact-new-title = New Contact
contact-edit-title = Edit contact
contacts-empty = No contacts yet — add them from a customer's card or with New Contact.
contacts-empty-filtered = No contacts match these filters.
contact-search-placeholder = Name, phone, e-mail…
contact-col-name = Name
contact-col-phone = Phone
contact-archived = Archived
contact-ext = ext. { $ext }
contact-ext-ph = Ext.
contact-from-lead = Converted from a lead
contact-direct-reports = Direct reports

contact-filter-all-roles = All roles
contact-filter-account = Customer:
contact-filter-account-remove = Remove the customer filter

contact-field-account_id = Customer
contact-field-first_name = First name
contact-field-last_name = Last name
contact-field-title = Job title
contact-field-department = Department
contact-field-email = E-mail
contact-field-phone = Office phone
contact-field-extension = Extension
contact-field-mobile = Mobile
contact-field-whatsapp = WhatsApp
contact-field-buying_role = Buying role
contact-field-influence = Influence
contact-field-relationship = Relationship
contact-field-reports_to_id = Reports to
contact-field-owner_id = Owner
contact-field-tags = Tags
contact-field-notes = Notes
contact-field-lead_id = Source lead
contact-field-last_contact_at = Last contact
contact-field-created_at = Created
contact-field-updated_at = Last updated
contact-field-archived_at = Archive
contact-field-merged_from = Merged record
contact-field-merged_into = Merged into

contact-section-person = Person
contact-section-reach = How to reach
contact-section-role = Role in buying
contact-hint-account = Type the name of the customer they work for; Turkish letters are optional.
contact-hint-reach = None is required; type phone numbers in any format.
contact-hint-reports-to = Choose the customer and save first; the manager is picked among that customer's people.
contact-reports-to-none = Reports to nobody
contact-account-not-found = No customer found with this name. Check the name or leave the field empty.
contact-account-several = Several customers have this name; choose one below and save again.
contact-err-owner_not_allowed = You may not assign this record to this person.

contact-dup-phone = This phone belongs to another contact:
contact-dup-email = This e-mail belongs to another contact:

contact-conflict-title = This contact changed while you were editing it.
contact-conflict = { $who } updated this record while you were editing it. Your input is kept; press Save to make your values count.
contact-confirm-archive = Move this contact to the archive? You can restore it later.

contact-tab-people = Contacts
contact-people-empty = No people recorded for this customer yet.
contact-people-all = Open in the list
contact-add = Add contact
contact-glance = At a glance
contact-glance-deciders = Who decides?
contact-glance-champion = Who is on our side?
contact-glance-last = Whom did we talk to last?
contact-glance-blockers = Watch out: blocker
contact-glance-unknown = Not known yet
contact-glance-none = Nobody yet
contact-glance-never = No contact recorded
contact-org-chart = Org chart

contact-toast-saved = Contact saved
contact-toast-created = Contact added
contact-toast-archived = Contact archived
contact-toast-restored = Contact restored from the archive
