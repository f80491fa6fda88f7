//! The permission model: a role grants, per module and action, a scope (own, team, all).
//! The grants themselves live in the database (`role_permissions`) so an admin can change them;
//! `default_grants` seeds them.

/// A closed list of values stored and sent as snake_case text. Doc comments before the name go onto the enum.
macro_rules! str_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use str_enum;

str_enum!(Role {
    Admin => "admin",
    Manager => "manager",
    Sales => "sales",
    Operations => "operations",
    Finance => "finance",
    Viewer => "viewer",
});

str_enum!(Module {
    Leads => "leads",
    Accounts => "accounts",
    Contacts => "contacts",
    Products => "products",
    Tasks => "tasks",
    Activities => "activities",
    Deals => "deals",
    Pipelines => "pipelines",
    Quotes => "quotes",
    Users => "users",
});

str_enum!(Action {
    View => "view",
    Create => "create",
    Edit => "edit",
    Delete => "delete",
    Export => "export",
    // Bringing records in from a file: a whole file at once, so managers and admins by default.
    Import => "import",
    // Approving what needs a manager's word (a quote's big discount): managers their team's, admins all.
    Approve => "approve",
});

// How far a grant reaches. Ordered: `Own < Team < All`.
str_enum!(Scope {
    Own => "own",
    Team => "team",
    All => "all",
});

/// The grants a fresh database starts with.
pub fn default_grants() -> Vec<(Role, Module, Action, Scope)> {
    use Action::*;
    let mut g = Vec::new();
    for m in Module::ALL {
        for a in Action::ALL {
            g.push((Role::Admin, *m, *a, Scope::All));
        }
    }
    // Customers and their people are worked by the same hands as leads, so they start with the same grants.
    for m in [Module::Leads, Module::Accounts, Module::Contacts] {
        for a in [View, Create, Edit, Delete, Export, Import] {
            g.push((Role::Manager, m, a, Scope::Team));
        }
        for a in [View, Create, Edit, Delete] {
            g.push((Role::Sales, m, a, Scope::Own));
        }
        // Operations and finance look records up (a customer calls) but do not work them.
        g.push((Role::Operations, m, View, Scope::All));
        g.push((Role::Finance, m, View, Scope::All));
        g.push((Role::Viewer, m, View, Scope::All));
    }
    // The catalogue is everyone's to look up; managers keep it, admins remove from it.
    for r in [
        Role::Manager,
        Role::Sales,
        Role::Operations,
        Role::Finance,
        Role::Viewer,
    ] {
        g.push((r, Module::Products, View, Scope::All));
    }
    g.push((Role::Manager, Module::Products, Create, Scope::All));
    g.push((Role::Manager, Module::Products, Edit, Scope::All));
    g.push((Role::Manager, Module::Products, Export, Scope::All));
    g.push((Role::Manager, Module::Products, Import, Scope::All));
    // Everyone has tasks of their own; a manager follows the team's.
    for a in [View, Create, Edit, Delete, Export] {
        g.push((Role::Manager, Module::Tasks, a, Scope::Team));
    }
    for r in [Role::Sales, Role::Operations, Role::Finance] {
        for a in [View, Create, Edit, Delete] {
            g.push((r, Module::Tasks, a, Scope::Own));
        }
    }
    g.push((Role::Viewer, Module::Tasks, View, Scope::Own));
    // Activities are logged like tasks: one's own, a manager the team's (and everyone sees those
    // of the records they see, with the record).
    for a in [View, Create, Edit, Delete, Export] {
        g.push((Role::Manager, Module::Activities, a, Scope::Team));
    }
    for r in [Role::Sales, Role::Operations, Role::Finance] {
        for a in [View, Create, Edit, Delete] {
            g.push((r, Module::Activities, a, Scope::Own));
        }
    }
    g.push((Role::Viewer, Module::Activities, View, Scope::Own));
    // Deals are worked like customers: a rep their own, a manager the team's; operations and
    // finance look them up (what was sold), and the pipelines are everyone's to see.
    for a in [View, Create, Edit, Delete, Export] {
        g.push((Role::Manager, Module::Deals, a, Scope::Team));
    }
    for a in [View, Create, Edit, Delete] {
        g.push((Role::Sales, Module::Deals, a, Scope::Own));
    }
    for r in [Role::Operations, Role::Finance, Role::Viewer] {
        g.push((r, Module::Deals, View, Scope::All));
    }
    for r in [
        Role::Manager,
        Role::Sales,
        Role::Operations,
        Role::Finance,
        Role::Viewer,
    ] {
        g.push((r, Module::Pipelines, View, Scope::All));
    }
    // Quotes go with deals: a rep their own, a manager the team's and approves them; finance
    // and operations read them (what was promised at what price).
    for a in [View, Create, Edit, Export, Approve] {
        g.push((Role::Manager, Module::Quotes, a, Scope::Team));
    }
    for a in [View, Create, Edit] {
        g.push((Role::Sales, Module::Quotes, a, Scope::Own));
    }
    for r in [Role::Operations, Role::Finance, Role::Viewer] {
        g.push((r, Module::Quotes, View, Scope::All));
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(Scope::Own < Scope::Team && Scope::Team < Scope::All);
    }

    #[test]
    fn sales_cannot_export_or_touch_users() {
        let g = default_grants();
        assert!(
            !g.iter()
                .any(|(r, m, a, _)| *r == Role::Sales && *m == Module::Leads && *a == Action::Export)
        );
        assert!(!g.iter().any(|(r, m, _, _)| *r == Role::Sales && *m == Module::Users));
    }

    #[test]
    fn accounts_and_contacts_get_the_grants_of_leads() {
        let g = default_grants();
        let of = |module: Module| {
            let mut v: Vec<(Role, Action, Scope)> = g
                .iter()
                .filter(|x| x.1 == module)
                .map(|(r, _, a, s)| (*r, *a, *s))
                .collect();
            v.sort();
            v
        };
        assert!(!of(Module::Leads).is_empty());
        assert_eq!(of(Module::Accounts), of(Module::Leads));
        assert_eq!(of(Module::Contacts), of(Module::Leads));
        assert!(g.contains(&(Role::Sales, Module::Accounts, Action::Delete, Scope::Own)));
        assert!(g.contains(&(Role::Finance, Module::Contacts, Action::View, Scope::All)));
        assert!(!g.contains(&(Role::Finance, Module::Contacts, Action::Edit, Scope::All)));
        // one grant per role, module and action: the table's key
        let mut keys: Vec<_> = g.iter().map(|(r, m, a, _)| (*r, *m, *a)).collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n);
        assert_eq!(Module::parse("accounts"), Some(Module::Accounts));
        assert_eq!(Module::parse("contacts"), Some(Module::Contacts));
    }

    #[test]
    fn everyone_looks_products_up_managers_keep_them_admins_delete() {
        let g = default_grants();
        let has = |r: Role, a: Action| g.iter().any(|x| x.0 == r && x.1 == Module::Products && x.2 == a);
        for r in Role::ALL {
            assert!(has(*r, Action::View), "{r}");
        }
        assert!(has(Role::Manager, Action::Create) && has(Role::Manager, Action::Edit));
        assert!(!has(Role::Manager, Action::Delete) && has(Role::Admin, Action::Delete));
        assert!(!has(Role::Sales, Action::Create) && !has(Role::Sales, Action::Edit));
    }
}
