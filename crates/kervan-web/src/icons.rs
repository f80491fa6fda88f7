//! Our own inline SVG icons (24×24, stroke), always shown beside a label or with aria-label.

pub const HOME: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M3 11.5 12 4l9 7.5M5.5 10v9.5h5v-5h3v5h5V10"/></svg>"#;
pub const LEADS: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="9" cy="8" r="3.5"/><path d="M2.5 20c.6-3.6 3.2-5.5 6.5-5.5s5.9 1.9 6.5 5.5M16 4.8a3.5 3.5 0 0 1 0 6.4M18.5 14.8c1.7.8 2.8 2.5 3 5.2"/></svg>"#;
pub const ACCOUNTS: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 20.5V5.5l8-2.5v17.5M12 9h8v11.5M2.5 20.5h19M7 8h2M7 11.5h2M7 15h2M15 12.5h2M15 16h2"/></svg>"#;
pub const CONTACTS: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><rect x="3.5" y="4" width="17" height="16" rx="2"/><circle cx="10" cy="10.5" r="2.5"/><path d="M6 16.5c.6-1.9 2.1-3 4-3s3.4 1.1 4 3M15.5 9h2.5M15.5 12.5h2.5"/></svg>"#;
pub const SETTINGS: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="3"/><path d="M12 2.5v3M12 18.5v3M21.5 12h-3M5.5 12h-3M18.7 5.3l-2.1 2.1M7.4 16.6l-2.1 2.1M18.7 18.7l-2.1-2.1M7.4 7.4 5.3 5.3"/></svg>"#;
pub const SEARCH: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="11" cy="11" r="6.5"/><path d="m16 16 4.5 4.5"/></svg>"#;
pub const PLUS: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M12 5v14M5 12h14"/></svg>"#;
pub const LOGO: &str = r#"<svg class="logo" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="8"/><path d="M8 22V10M8 16l8-6M11 14l7 8M18 22h6M21 10h3"/></svg>"#;
pub const BELL: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M6 16.5V11a6 6 0 0 1 12 0v5.5l1.5 2h-15zM10 20.5a2 2 0 0 0 4 0"/></svg>"#;
pub const TASKS: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><rect x="3.5" y="4.5" width="17" height="16" rx="2"/><path d="M8 2.5v4M16 2.5v4M8 13l2.5 2.5L16 10"/></svg>"#;
pub const CALENDAR: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><rect x="3.5" y="4.5" width="17" height="16" rx="2"/><path d="M3.5 9.5h17M8 2.5v4M16 2.5v4M7.5 13h2M11 13h2M14.5 13h2M7.5 16.5h2M11 16.5h2"/></svg>"#;
pub const PRODUCTS: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M12 3 20.5 7.5v9L12 21l-8.5-4.5v-9zM3.5 7.5 12 12l8.5-4.5M12 12v9"/></svg>"#;
pub const DEALS: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M3.5 5.5h4v13h-4zM10 5.5h4v9h-4zM16.5 5.5h4v5h-4z"/></svg>"#;
pub const QUOTES: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M6 2.5h8.5L19 7v14.5H6zM14 2.5V7h5M9 12h7M9 15.5h7M9 8.5h3"/></svg>"#;
