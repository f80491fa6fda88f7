//! Kervan's pure domain: no IO, no async. Everything here can be unit-tested in isolation
//! and is shared by the store, the use cases, the web layer and the CLI.

pub mod email;
pub mod leads;
pub mod permissions;
pub mod phone;
pub mod text;
pub mod time;
pub mod validation;

pub use email::Email;
pub use phone::Phone;
pub use validation::{FieldError, FieldErrors};
