//! Kervan's pure domain: no IO, no async. Everything here can be unit-tested in isolation
//! and is shared by the store, the use cases, the web layer and the CLI.

pub mod accounts;
pub mod activities;
pub mod contacts;
pub mod deals;
pub mod districts;
pub mod dormant;
pub mod email;
pub mod fields;
pub mod filetype;
pub mod holidays;
pub mod ical;
pub mod kinds;
pub mod leads;
pub mod money;
pub mod notifications;
pub mod permissions;
pub mod phone;
pub mod places;
pub mod price_lists;
pub mod products;
pub mod quotes;
pub mod record;
pub mod tasks;
pub mod tax_id;
pub mod text;
pub mod time;
pub mod validation;
pub mod website;

pub use email::Email;
pub use money::Money;
pub use phone::Phone;
pub use tax_id::{Tckn, Vkn};
pub use validation::{FieldError, FieldErrors};
pub use website::Website;
