//! Operating-system errors in the words of every other message: lower case,
//! without the `(os error N)` suffix, and `no such file or folder` for a missing path.

use std::io;

pub fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or folder".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let full = e.to_string();
            let text = match full.rsplit_once(" (os error ") {
                Some((text, _)) => text.to_string(),
                None => full,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(first) if chars.as_str().chars().next().is_some_and(char::is_lowercase) => {
                    first.to_lowercase().collect::<String>() + chars.as_str()
                }
                _ => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_read_like_the_rest() {
        let missing = io::Error::from_raw_os_error(2);
        assert_eq!(describe(&missing), "no such file or folder");
        let full = io::Error::from_raw_os_error(28);
        assert_eq!(describe(&full), "no space left on device");
        let custom = io::Error::other("EOF in header");
        assert_eq!(describe(&custom), "EOF in header");
    }
}
