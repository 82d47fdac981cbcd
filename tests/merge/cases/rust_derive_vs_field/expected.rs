/// A user record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: u32,
    pub name: String,
    pub email: String,
    pub admin: bool,
}

pub fn anonymous() -> User {
    User { id: 0, name: String::new(), email: String::new(), admin: false }
}
