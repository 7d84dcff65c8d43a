//! Test fixtures: a world of organisations and users on a fresh database, and a test
//! application driven through its HTTP front door.

pub mod isolation;
pub mod store;
pub mod web;
pub mod workshop;

/// The system's authority, for tests that run a job's or a check's body directly.
pub fn system() -> crate::core::access::System {
    crate::core::access::System::for_tests()
}

impl crate::Store {
    /// The principal of a user by name, as the command line would load it.
    pub async fn test_user(&self, username: &str) -> crate::Result<crate::Principal> {
        self.operator_as(&system(), username).await
    }
}
