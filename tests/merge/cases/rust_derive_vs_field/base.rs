/// A user record.
#[derive(Debug, Clone)]
pub struct User {
    pub id: u32,
    pub name: String,
    pub email: String,
}

pub fn anonymous() -> User {
    User { id: 0, name: String::new(), email: String::new() }
}
