//! Issue 9, resilience of the real program: SIGKILL at random moments under load and
//! configuration writes never damages the database or loses a committed change; every endpoint
//! answers bad input with a 4xx in its protocol's shape; the files are private whatever the
//! umask.

mod bad_input;
mod files;
mod kill9;
mod process;
