//! Who is acting, and what they may do.

use std::collections::HashMap;

use kervan_core::permissions::{Action, Module, Role, Scope};
use kervan_store::listing::Visibility;
use kervan_store::users::UserRow;
use kervan_store::{ConnectionTrait, permissions};

use crate::error::{AppError, Result};

#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub team_id: Option<i64>,
    pub language: String,
    grants: HashMap<(Module, Action), Scope>,
}

impl Actor {
    /// Loads the user's grants from the database.
    pub async fn load<C: ConnectionTrait>(c: &C, user: &UserRow) -> Result<Actor> {
        let grants = permissions::for_role(c, &user.role).await?;
        Actor::of(user, &grants)
    }

    /// The actor of a request: the role's grants kept in memory (see [`crate::cache`]).
    pub async fn load_cached(app: &crate::App, user: &UserRow) -> Result<Actor> {
        let c = &app.db.conn;
        let grants = app
            .cache
            .grants(&user.role, async { Ok(permissions::for_role(c, &user.role).await?) })
            .await?;
        Actor::of(user, &grants)
    }

    fn of(user: &UserRow, rows: &[permissions::GrantRow]) -> Result<Actor> {
        let role = Role::parse(&user.role).ok_or_else(|| AppError::Internal(format!("unknown role {}", user.role)))?;
        let mut grants = HashMap::new();
        for g in rows {
            if let (Some(m), Some(a), Some(s)) = (
                Module::parse(&g.module),
                Action::parse(&g.action),
                Scope::parse(&g.scope),
            ) {
                grants.insert((m, a), s);
            }
        }
        Ok(Actor {
            user_id: user.id,
            name: user.name.clone(),
            email: user.email.clone(),
            role,
            team_id: user.team_id,
            language: user.language.clone(),
            grants,
        })
    }

    /// An actor with every right, for the command line (demo data, first admin).
    pub fn system() -> Actor {
        let mut grants = HashMap::new();
        for m in Module::ALL {
            for a in Action::ALL {
                grants.insert((*m, *a), Scope::All);
            }
        }
        Actor {
            user_id: 0,
            name: "system".into(),
            email: String::new(),
            role: Role::Admin,
            team_id: None,
            language: "tr".into(),
            grants,
        }
    }

    pub fn scope(&self, module: Module, action: Action) -> Option<Scope> {
        self.grants.get(&(module, action)).copied()
    }

    pub fn can(&self, module: Module, action: Action) -> bool {
        self.scope(module, action).is_some()
    }

    pub fn require(&self, module: Module, action: Action) -> Result<Scope> {
        self.scope(module, action).ok_or(AppError::Forbidden { module, action })
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The rows of `module` this actor may see for `action`.
    pub fn visibility(&self, module: Module, action: Action) -> Visibility {
        match self.scope(module, action) {
            None => Visibility::Nothing,
            Some(Scope::All) => Visibility::All,
            Some(Scope::Team) => match self.team_id {
                Some(team_id) => Visibility::Team { team_id },
                None => Visibility::Own { user_id: self.user_id },
            },
            Some(Scope::Own) => Visibility::Own { user_id: self.user_id },
        }
    }

    /// The id to record as author; the system actor writes no user.
    pub fn author(&self) -> Option<i64> {
        if self.user_id == 0 { None } else { Some(self.user_id) }
    }
}
