//! Declaring routes with their access rule. There is no other way to add a route: every module
//! returns [`Routes`], whose rules the guard applies before any handler runs; a route added
//! around them has no rule and is refused before its handler runs.

use std::collections::HashMap;

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;

use super::Role;
use super::guard::CurrentUser;
use crate::AppState;
use crate::web::AppError;

/// Who may call a route. Object-level scope (which unit) is checked in the handler on top.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user, even one who must change a one-time password first.
    PasswordChange,
    /// Any signed-in user.
    SignedIn,
    /// Signed-in users with one of these roles.
    Roles(&'static [Role]),
}

/// Roles that change data (each within its scope).
pub const EDITORS: &[Role] = &[
    Role::Admin,
    Role::ProvinceOfficer,
    Role::DistrictOfficer,
    Role::CommuneOfficer,
];
pub const ADMINS: &[Role] = &[Role::Admin];
/// Those who manage accounts: administrators everywhere, province officers in their province.
pub const ACCOUNT_KEEPERS: &[Role] = &[Role::Admin, Role::ProvinceOfficer];
/// Those who enter units' population and voters: officers above the communes, and admins.
pub const FIGURE_KEEPERS: &[Role] = &[Role::Admin, Role::ProvinceOfficer, Role::DistrictOfficer];
/// Those who may review tasks: the province's officers, and a district's officers for its communes
/// once the province delegates it (`checklists::delegation` decides on the data).
pub const REVIEWERS: &[Role] = &[Role::Admin, Role::ProvinceOfficer, Role::DistrictOfficer];
/// Those who answer what is assigned to them: every editor, and agency officers (for their
/// agency's directives only, which `directives::may_answer` decides on the data).
pub const ANSWERERS: &[Role] = &[
    Role::Admin,
    Role::ProvinceOfficer,
    Role::DistrictOfficer,
    Role::CommuneOfficer,
    Role::AgencyOfficer,
];
/// The province's people: its officers, the steering committee, administrators.
pub const PROVINCE_PEOPLE: &[Role] = &[Role::Admin, Role::ProvinceOfficer, Role::SteeringMember];
/// Those who read the audit log.
pub const AUDITORS: &[Role] = &[Role::Admin, Role::ProvinceOfficer];

impl Access {
    /// Whether a signed-in user of `role` passes (before any scope check).
    pub fn admits(self, role: Role) -> bool {
        match self {
            Access::Public | Access::PasswordChange | Access::SignedIn => true,
            Access::Roles(roles) => roles.contains(&role),
        }
    }
}

/// One declared route.
#[derive(Clone, Debug)]
pub struct RouteRule {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// A router that knows the rule of each of its routes.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    table: Vec<RouteRule>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access, axum::routing::get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, axum::routing::post(handler))
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        route: MethodRouter<AppState>,
    ) -> Routes {
        self.router = self.router.route(path, route);
        self.table.push(RouteRule {
            method,
            path,
            access,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    /// Every route with its rule.
    pub fn table(&self) -> &[RouteRule] {
        &self.table
    }

    /// The router, and the rules the guard applies to it.
    pub fn into_parts(self) -> (Router<AppState>, RuleBook) {
        let rules = self
            .table
            .into_iter()
            .map(|rule| ((rule.method, rule.path), rule.access))
            .collect();
        (self.router, RuleBook(rules))
    }
}

/// The rule of every declared route, by method and path pattern, as the guard looks them up.
#[derive(Default)]
pub struct RuleBook(HashMap<(Method, &'static str), Access>);

/// What the rule book says of a request's route.
pub enum Lookup {
    Rule(Access),
    /// The path is declared, but not for this method.
    OtherMethod,
    /// Nothing declares this route: it was added around the rule book.
    Undeclared,
}

impl RuleBook {
    /// The rule of `method` on the route pattern `path`; HEAD is answered as GET is.
    pub fn lookup(&self, method: &Method, path: &str) -> Lookup {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        if let Some(access) = self.0.get(&(method.clone(), path)) {
            return Lookup::Rule(*access);
        }
        if self.0.keys().any(|(_, declared)| *declared == path) {
            Lookup::OtherMethod
        } else {
            Lookup::Undeclared
        }
    }
}

/// The refusal of a request that `access` does not admit, if it does not.
pub fn refusal(access: Access, user: Option<&CurrentUser>, request: &Request) -> Option<Response> {
    if access == Access::Public {
        return None;
    }
    let Some(user) = user else {
        return Some(to_login(request));
    };
    if user.must_change_password && access != Access::PasswordChange {
        return Some(Redirect::to("/account/password").into_response());
    }
    if !access.admits(user.role) {
        return Some(AppError::Forbidden.into_response());
    }
    None
}

/// Anonymous users go to the login page, which brings them back here afterwards.
fn to_login(request: &Request) -> Response {
    let back = match (request.method(), request.uri().path_and_query()) {
        (&Method::GET, Some(target)) => target.as_str(),
        _ => "/",
    };
    let mut location = String::from("/login");
    if back != "/" {
        location.push_str("?next=");
        location.push_str(&super::login::encode_component(back));
    }
    Redirect::to(&location).into_response()
}
