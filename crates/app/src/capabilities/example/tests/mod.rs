pub mod isolation;
mod walkthrough;
