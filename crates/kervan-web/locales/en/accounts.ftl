# Accounts (customers): list, form, customer card, addresses, subsidiaries.

accounts-title = Customers
account-new = New Customer
account-new-title = New Customer
account-edit-title = Edit customer
accounts-empty = No customers yet — add a New Customer or convert a lead.
accounts-empty-filtered = No customers match these filters.
accounts-empty-passive-hint = Passive customers are hidden by default; choose "All, passive too" in the status filter to see them.
account-search-placeholder = Name, tax number, phone, e-mail…
account-col-name = Name
account-archived = Archived
account-sub-of = part of { $parent }
account-key-facts = Key facts
account-no-contact-yet = No contact yet
account-from-lead = Converted from a lead

account-filter-all-kinds = All kinds
account-filter-lifecycle-working = All but passive
account-filter-lifecycle-any = All, passive too
account-filter-all-potentials = Any potential

account-field-kind = Customer type
account-field-name = Trade name / Full name
account-field-tax_office = Tax office
account-field-tax_number = Tax number (VKN)
account-field-national_id = National ID (TCKN)
account-field-sector = Sector
account-field-customer_class = Customer class
account-field-segment = Segment
account-field-potential = Potential
account-field-annual_revenue = Annual revenue
account-field-lifecycle = Status
account-field-parent_id = Parent company
account-field-owner_id = Owner
account-field-region = Region
account-field-country = Country
account-field-city = City
account-field-district = District
account-field-website = Website
account-field-phone = Phone
account-field-email = E-mail
account-field-tags = Tags
account-field-notes = Notes
account-field-lead_id = Source lead
account-field-last_contact_at = Last contact
account-field-created_at = Created
account-field-updated_at = Last updated
account-field-archived_at = Archive
account-field-address = Address
account-field-merged_from = Merged record
account-field-merged_into = Merged into
account-field-converted_lead = Converted lead

account-name-company = Trade name
account-name-individual = Full name
account-section-identity = Identity and tax details
account-section-contact = Contact and location
account-section-sales = Sales details
account-hint-tax_number = For companies, 10 digits.
account-hint-national_id = For sole proprietorships: the owner's national ID.
account-hint-national_id-company = For sole proprietorships: the owner's national ID.
account-hint-national_id-individual = For individual customers, 11 digits.
account-hint-parent = For a group company, type the parent company's name; may be left empty.
account-country-default = Türkiye
account-region-ph = e.g. Marmara
account-parent-not-found = No customer found with this name. Check the name or leave the field empty.
account-parent-several = Several customers have this name; choose one below and save again.
account-err-owner_not_allowed = You may not assign this record to this person.

account-dup-title = This customer may already exist:
account-dup-tax_number = Same tax number:
account-dup-national_id = Same national ID:
account-dup-phone = Same phone:
account-dup-email = Same e-mail:
account-dup-domain = Same domain (website or e-mail):
account-dup-name = Similar name:
account-dup-confirm = These are different customers, save anyway

account-confirm-archive = Move this customer to the archive? It leaves the lists; you can restore it later.

account-tab-addresses = Addresses
account-tab-subsidiaries = Subsidiaries

account-parent-is = Parent company:
account-subs-count = Subsidiaries
account-subs-revenue = Total annual revenue
account-subs-add = Add subsidiary
account-subs-empty = This customer has no subsidiaries on record.
account-subs-hidden = { $n ->
    [one] 1 subsidiary you may not see is left out of the list; the totals include it.
   *[other] { $count } subsidiaries you may not see are left out of the list; the totals include them.
}

account-history-moved-contacts = { $n ->
    [one] 1 contact
   *[other] { $count } contacts
}
account-history-moved-addresses = { $n ->
    [one] 1 address
   *[other] { $count } addresses
}

account-toast-saved = Customer saved
account-toast-created = Customer added
account-toast-archived = Customer archived
account-toast-restored = Customer restored from the archive
account-toast-address-added = Address added
account-toast-address-saved = Address saved
account-toast-address-deleted = Address deleted

address-field-kind = Address type
address-field-line = Address
address-field-district = District
address-field-city = City
address-field-country = Country
address-field-postal_code = Postal code
address-empty = No addresses yet.
address-new = Add address
address-add = Add the address
address-delete = Delete
address-confirm-delete = Delete this address? This cannot be undone.
address-conflict = This address changed while you were editing it. Your input is kept; press Save to make your values count.
