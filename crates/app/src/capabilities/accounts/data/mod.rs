pub mod orgs;
pub mod setup;
pub mod users;
